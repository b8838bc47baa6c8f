import { Link } from 'react-router';
import type { LessonSummary } from '../../api/types';
import { DateTime } from '../../components/DateTime';

/** What was learned from a report, in plain words, each linking to the lesson. */
export function LessonList({ lessons, label }: { lessons: readonly LessonSummary[]; label: string }) {
  if (lessons.length === 0) return null;
  return (
    <ul className="lesson-list" aria-label={label}>
      {lessons.map((lesson) => (
        <li key={lesson.id}>
          <Link to={`/lessons/${lesson.id}`}>{lesson.title}</Link>{' '}
          <span className="card__meta">
            published <DateTime value={lesson.published_at} />
          </span>
          <p>{lesson.summary}</p>
        </li>
      ))}
    </ul>
  );
}
