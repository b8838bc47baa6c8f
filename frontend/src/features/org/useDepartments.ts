import { useEffect, useState } from 'react';
import { toFormErrors } from '../../api/problem';
import type { Department } from '../../api/types';
import { listAllDepartments } from './orgApi';

export interface DepartmentsState {
  departments: Department[];
  byId: ReadonlyMap<string, Department>;
  loading: boolean;
  error: string | null;
}

/** All departments, active and inactive, for selects and for showing names by id. */
export function useDepartments(): DepartmentsState {
  const [departments, setDepartments] = useState<Department[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let cancelled = false;
    listAllDepartments().then(
      (all) => {
        if (cancelled) return;
        setDepartments(all);
        setLoading(false);
      },
      (err: unknown) => {
        if (cancelled) return;
        setError(toFormErrors(err).formError);
        setLoading(false);
      },
    );
    return () => {
      cancelled = true;
    };
  }, []);

  return { departments, byId: new Map(departments.map((d) => [d.id, d])), loading, error };
}
