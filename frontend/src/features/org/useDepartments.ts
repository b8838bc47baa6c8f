import type { Department } from '../../api/types';
import { useLoad } from '../../hooks/useLoad';
import { listAllDepartments } from './orgApi';

export interface DepartmentsState {
  departments: Department[];
  byId: ReadonlyMap<string, Department>;
  loading: boolean;
  error: string | null;
}

const loadDepartments = () => listAllDepartments();

/** All departments, active and inactive, for selects and for showing names by id. */
export function useDepartments(): DepartmentsState {
  const { data, loading, error } = useLoad(loadDepartments);
  const departments = data ?? [];
  return { departments, byId: new Map(departments.map((d) => [d.id, d])), loading, error };
}
