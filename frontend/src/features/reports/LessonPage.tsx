import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { toFormErrors } from '../../api/problem';
import type { Lesson } from '../../api/types';
import { DateTime } from '../../components/DateTime';
import { FormError } from '../../components/FormError';
import { usePageTitle } from '../../hooks/usePageTitle';
import { CATEGORY, FACTOR } from './labels';
import { getLesson } from './reportsApi';

export default function LessonPage() {
  const { lessonId = '' } = useParams();
  const [lesson, setLesson] = useState<Lesson | null>(null);
  const [error, setError] = useState<string | null>(null);
  usePageTitle(lesson?.title ?? 'Lesson');

  useEffect(() => {
    let cancelled = false;
    getLesson(lessonId).then(
      (found) => {
        if (!cancelled) setLesson(found);
      },
      (err: unknown) => {
        if (!cancelled) setError(toFormErrors(err).formError);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [lessonId]);

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
