import { useCallback } from 'react';
import { Link } from 'react-router';
import type { Lesson } from '../../api/types';
import { DateTime } from '../../components/DateTime';
import { FormError } from '../../components/FormError';
import { LoadMore } from '../../components/LoadMore';
import { StatusMessage } from '../../components/StatusMessage';
import { useFlash } from '../../hooks/useFlash';
import { useKeysetList } from '../../hooks/useKeysetList';
import { usePageTitle } from '../../hooks/usePageTitle';
import { excerpt } from './format';
import { CATEGORY, FACTOR } from './labels';
import { listLessons } from './reportsApi';

/** The learning feed: de-identified lessons from reports, for all staff. */
export default function LessonsPage() {
  usePageTitle('Learning feed');
  const [flash] = useFlash();
  const load = useCallback((cursor: string | null) => listLessons(cursor), []);
  const list = useKeysetList<Lesson>(load);
  return (
    <>
      <h1>Learning feed</h1>
      <StatusMessage message={flash} />
      <p className="lead">
        What the safety team learned from reports, and what changed because of them. Every report helps, including
        the good catches.
      </p>
      <FormError message={list.error} />
      {list.loading && list.items.length === 0 ? <p role="status">Loading lessons…</p> : null}
      {!list.loading && list.items.length === 0 && !list.error ? <p>No lessons have been published yet.</p> : null}
      <ul className="card-list" aria-label="Lessons">
        {list.items.map((lesson) => (
          <li key={lesson.id} className="card card--stacked">
            <div className="card__main">
              <h2 className="card__title">
                <Link to={`/lessons/${lesson.id}`}>{lesson.title}</Link>
              </h2>
              <p className="card__meta">
                Published <DateTime value={lesson.published_at} />
              </p>
              <p className="card__excerpt">{excerpt(lesson.summary, 280)}</p>
              <LessonTags lesson={lesson} />
            </div>
          </li>
        ))}
      </ul>
      <LoadMore hasMore={list.hasMore} loading={list.loading} onLoadMore={list.loadMore} />
    </>
  );
}

function LessonTags({ lesson }: { lesson: Lesson }) {
  const tags = [
    ...lesson.categories.map((c) => ({ key: `c:${c}`, label: CATEGORY[c] })),
    ...lesson.contributing_factors.map((f) => ({ key: `f:${f}`, label: FACTOR[f].label })),
  ];
  if (tags.length === 0) return null;
  return (
    <ul className="tag-list" aria-label={`Topics of ${lesson.title}`}>
      {tags.map((t) => (
        <li key={t.key} className="tag">
          {t.label}
        </li>
      ))}
    </ul>
  );
}
