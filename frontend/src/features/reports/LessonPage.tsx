import { useCallback } from 'react';
import { Link, useParams } from 'react-router';
import { DateTime } from '../../components/DateTime';
import { FormError } from '../../components/FormError';
import { useLoad } from '../../hooks/useLoad';
import { usePageTitle } from '../../hooks/usePageTitle';
import { CATEGORY, FACTOR } from './labels';
import { getLesson } from './reportsApi';

export default function LessonPage() {
  const { lessonId = '' } = useParams();
  const { data: lesson, error } = useLoad(useCallback(() => getLesson(lessonId), [lessonId]));
  usePageTitle(lesson?.title ?? 'Lesson');

  return (
    <>
      <p className="breadcrumb">
        <Link to="/lessons">Learning feed</Link>
      </p>
      {lesson ? (
        <article className="lesson">
          <h1>{lesson.title}</h1>
          <p className="card__meta">
            Published <DateTime value={lesson.published_at} />
          </p>
          <h2>What we learned</h2>
          <p className="prose">{lesson.summary}</p>
          {lesson.actions_taken.length > 0 ? (
            <>
              <h2>What changed</h2>
              <ul>
                {lesson.actions_taken.map((action, index) => (
                  <li key={index}>{action}</li>
                ))}
              </ul>
            </>
          ) : null}
          {lesson.categories.length > 0 ? (
            <>
              <h2>Categories</h2>
              <p>{lesson.categories.map((c) => CATEGORY[c]).join(', ')}</p>
            </>
          ) : null}
          {lesson.contributing_factors.length > 0 ? (
            <>
              <h2>What contributed</h2>
              <p>{lesson.contributing_factors.map((f) => FACTOR[f].label).join(', ')}</p>
            </>
          ) : null}
        </article>
      ) : (
        <>
          <h1>Lesson</h1>
          <FormError message={error} />
          {!error ? <p role="status">Loading the lesson…</p> : null}
        </>
      )}
    </>
  );
}
