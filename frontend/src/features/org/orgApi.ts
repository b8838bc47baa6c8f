import { api } from '../../api/client';
import { ifMatch } from '../../api/headers';
import { unwrap } from '../../api/problem';
import type {
  Department,
  DepartmentCreate,
  DepartmentUpdate,
  Page,
  Role,
  RoleGrant,
  User,
  UserCreate,
  UserCreated,
  UserUpdate,
  UserUpdated,
} from '../../api/types';

export const PAGE_SIZE = 50;

export async function listDepartments(options: {
  cursor?: string | null;
  includeInactive?: boolean;
  limit?: number;
}): Promise<Page<Department>> {
  return unwrap(
    await api.GET('/api/v1/departments', {
      params: {
        query: {
          limit: options.limit ?? PAGE_SIZE,
          ...(options.cursor ? { cursor: options.cursor } : {}),
          ...(options.includeInactive ? { include_inactive: true } : {}),
        },
      },
    }),
  );
}

/** Every department (for selects), following the cursor; organisations have tens, not thousands. */
export async function listAllDepartments(includeInactive = true): Promise<Department[]> {
  const all: Department[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 20; page++) {
    const result: Page<Department> = await listDepartments({ cursor, includeInactive, limit: 200 });
    all.push(...result.items);
    cursor = result.next_cursor ?? null;
    if (cursor === null) break;
  }
  return all;
}

export async function getDepartment(departmentId: string): Promise<Department> {
  return unwrap(await api.GET('/api/v1/departments/{department_id}', { params: { path: { department_id: departmentId } } }));
}

export async function createDepartment(body: DepartmentCreate, idempotencyKey: string): Promise<Department> {
  return unwrap(
    await api.POST('/api/v1/departments', { body, params: { header: { 'Idempotency-Key': idempotencyKey } } }),
  );
}

export async function updateDepartment(
  department: Pick<Department, 'id' | 'version'>,
  body: DepartmentUpdate,
): Promise<Department> {
  return unwrap(
    await api.PATCH('/api/v1/departments/{department_id}', {
      params: { path: { department_id: department.id }, header: { 'If-Match': ifMatch(department.version) } },
      body,
    }),
  );
}

export interface UserFilters {
  departmentId?: string | null;
  role?: Role | null;
  includeInactive?: boolean;
}

export async function listUsers(filters: UserFilters, cursor: string | null): Promise<Page<User>> {
  return unwrap(
    await api.GET('/api/v1/users', {
      params: {
        query: {
          limit: PAGE_SIZE,
          ...(cursor ? { cursor } : {}),
          ...(filters.departmentId ? { department_id: filters.departmentId } : {}),
          ...(filters.role ? { role: filters.role } : {}),
          ...(filters.includeInactive ? { include_inactive: true } : {}),
        },
      },
    }),
  );
}

export async function getUser(userId: string): Promise<User> {
  return unwrap(await api.GET('/api/v1/users/{user_id}', { params: { path: { user_id: userId } } }));
}

export async function createUser(body: UserCreate, idempotencyKey: string): Promise<UserCreated> {
  return unwrap(await api.POST('/api/v1/users', { body, params: { header: { 'Idempotency-Key': idempotencyKey } } }));
}

export async function updateUser(user: Pick<User, 'id' | 'version'>, body: UserUpdate): Promise<UserUpdated> {
  return unwrap(
    await api.PATCH('/api/v1/users/{user_id}', {
      params: { path: { user_id: user.id }, header: { 'If-Match': ifMatch(user.version) } },
      body,
    }),
  );
}

/** Privileged role grants waiting for a second administrator (newest first). */
export async function listPendingRoleGrants(cursor: string | null): Promise<Page<RoleGrant>> {
  return unwrap(
    await api.GET('/api/v1/role-grants', {
      params: { query: { limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) } },
    }),
  );
}

export type RoleGrantAction = 'confirm' | 'reject' | 'cancel';

export async function decideRoleGrant(
  grant: Pick<RoleGrant, 'id' | 'version'>,
  action: RoleGrantAction,
): Promise<RoleGrant> {
  const options = {
    params: { path: { grant_id: grant.id }, header: { 'If-Match': ifMatch(grant.version) } },
  };
  if (action === 'confirm') return unwrap(await api.POST('/api/v1/role-grants/{grant_id}/confirm', options));
  if (action === 'reject') return unwrap(await api.POST('/api/v1/role-grants/{grant_id}/reject', options));
  return unwrap(await api.POST('/api/v1/role-grants/{grant_id}/cancel', options));
}
