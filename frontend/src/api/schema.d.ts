/**
 * TEMPORARY, HAND-WRITTEN stand-in for the file openapi-typescript generates.
 *
 * It mirrors the agreed API contract in openapi-typescript's output shape
 * (`paths`, `components`) so that, once `openapi/openapi.json` is committed,
 * `npm run gen:api` replaces this file and only the aliases in `types.ts`
 * may need their schema names adjusted.
 */

export interface paths {
  '/api/v1/auth/token': {
    post: {
      requestBody: {
        content: {
          'application/x-www-form-urlencoded': components['schemas']['Body_auth-token'];
        };
      };
      responses: {
        200: { content: { 'application/json': components['schemas']['TokenResponse'] } };
        401: { content: { 'application/problem+json': components['schemas']['Problem'] } };
        422: { content: { 'application/problem+json': components['schemas']['Problem'] } };
        429: { content: { 'application/problem+json': components['schemas']['Problem'] } };
      };
    };
  };
  '/api/v1/auth/refresh': {
    post: {
      requestBody?: {
        content: { 'application/json': components['schemas']['RefreshRequest'] };
      };
      responses: {
        200: { content: { 'application/json': components['schemas']['TokenResponse'] } };
        401: { content: { 'application/problem+json': components['schemas']['Problem'] } };
      };
    };
  };
  '/api/v1/auth/logout': {
    post: {
      responses: {
        204: { content?: never };
      };
    };
  };
  '/api/v1/me': {
    get: {
      responses: {
        200: { content: { 'application/json': components['schemas']['MeRead'] } };
        401: { content: { 'application/problem+json': components['schemas']['Problem'] } };
      };
    };
  };
  '/api/v1/departments': {
    get: {
      parameters: {
        query?: { limit?: number; cursor?: string | null; include_inactive?: boolean };
      };
      responses: {
        200: { content: { 'application/json': components['schemas']['Page_DepartmentRead_'] } };
        403: { content: { 'application/problem+json': components['schemas']['Problem'] } };
      };
    };
    post: {
      parameters: { header?: { 'Idempotency-Key'?: string | null } };
      requestBody: { content: { 'application/json': components['schemas']['DepartmentCreate'] } };
      responses: {
        201: { content: { 'application/json': components['schemas']['DepartmentRead'] } };
        403: { content: { 'application/problem+json': components['schemas']['Problem'] } };
        409: { content: { 'application/problem+json': components['schemas']['Problem'] } };
        422: { content: { 'application/problem+json': components['schemas']['Problem'] } };
      };
    };
  };
  '/api/v1/departments/{department_id}': {
    get: {
      parameters: { path: { department_id: string } };
      responses: {
        200: { content: { 'application/json': components['schemas']['DepartmentRead'] } };
        404: { content: { 'application/problem+json': components['schemas']['Problem'] } };
      };
    };
    patch: {
      parameters: { path: { department_id: string }; header?: { 'If-Match'?: string | null } };
      requestBody: { content: { 'application/json': components['schemas']['DepartmentUpdate'] } };
      responses: {
        200: { content: { 'application/json': components['schemas']['DepartmentRead'] } };
        404: { content: { 'application/problem+json': components['schemas']['Problem'] } };
        409: { content: { 'application/problem+json': components['schemas']['Problem'] } };
        412: { content: { 'application/problem+json': components['schemas']['Problem'] } };
        422: { content: { 'application/problem+json': components['schemas']['Problem'] } };
        428: { content: { 'application/problem+json': components['schemas']['Problem'] } };
      };
    };
  };
  '/api/v1/users': {
    get: {
      parameters: {
        query?: {
          limit?: number;
          cursor?: string | null;
          department_id?: string | null;
          role?: components['schemas']['Role'] | null;
          include_inactive?: boolean;
        };
      };
      responses: {
        200: { content: { 'application/json': components['schemas']['Page_UserRead_'] } };
        403: { content: { 'application/problem+json': components['schemas']['Problem'] } };
      };
    };
    post: {
      parameters: { header?: { 'Idempotency-Key'?: string | null } };
      requestBody: { content: { 'application/json': components['schemas']['UserCreate'] } };
      responses: {
        201: { content: { 'application/json': components['schemas']['UserCreated'] } };
        403: { content: { 'application/problem+json': components['schemas']['Problem'] } };
        409: { content: { 'application/problem+json': components['schemas']['Problem'] } };
        422: { content: { 'application/problem+json': components['schemas']['Problem'] } };
      };
    };
  };
  '/api/v1/users/{user_id}': {
    get: {
      parameters: { path: { user_id: string } };
      responses: {
        200: { content: { 'application/json': components['schemas']['UserRead'] } };
        404: { content: { 'application/problem+json': components['schemas']['Problem'] } };
      };
    };
    patch: {
      parameters: { path: { user_id: string }; header?: { 'If-Match'?: string | null } };
      requestBody: { content: { 'application/json': components['schemas']['UserUpdate'] } };
      responses: {
        200: { content: { 'application/json': components['schemas']['UserRead'] } };
        404: { content: { 'application/problem+json': components['schemas']['Problem'] } };
        409: { content: { 'application/problem+json': components['schemas']['Problem'] } };
        412: { content: { 'application/problem+json': components['schemas']['Problem'] } };
        422: { content: { 'application/problem+json': components['schemas']['Problem'] } };
        428: { content: { 'application/problem+json': components['schemas']['Problem'] } };
      };
    };
  };
  '/api/v1/api-keys': {
    get: {
      parameters: { query?: { limit?: number; cursor?: string | null } };
      responses: {
        200: { content: { 'application/json': components['schemas']['Page_ApiKeyRead_'] } };
        403: { content: { 'application/problem+json': components['schemas']['Problem'] } };
      };
    };
    post: {
      parameters: { header?: { 'Idempotency-Key'?: string | null } };
      requestBody: { content: { 'application/json': components['schemas']['ApiKeyCreate'] } };
      responses: {
        201: { content: { 'application/json': components['schemas']['ApiKeyCreated'] } };
        403: { content: { 'application/problem+json': components['schemas']['Problem'] } };
        422: { content: { 'application/problem+json': components['schemas']['Problem'] } };
      };
    };
  };
  '/api/v1/api-keys/{api_key_id}': {
    delete: {
      parameters: { path: { api_key_id: string } };
      responses: {
        204: { content?: never };
        404: { content: { 'application/problem+json': components['schemas']['Problem'] } };
      };
    };
  };
}

export interface components {
  schemas: {
    FieldError: {
      field: string;
      location: 'body' | 'query' | 'path' | 'header';
      message: string;
    };
    Problem: {
      type: string;
      title: string;
      status: number;
      detail?: string | null;
      instance?: string | null;
      errors?: components['schemas']['FieldError'][] | null;
    };
    'Body_auth-token': {
      grant_type?: string | null;
      username: string;
      password: string;
      scope?: string;
      client_id?: string | null;
      client_secret?: string | null;
    };
    TokenResponse: {
      access_token: string;
      token_type: string;
      expires_in: number;
      refresh_token: string;
    };
    RefreshRequest: {
      refresh_token?: string | null;
    };
    Role:
      | 'staff'
      | 'peer_supporter'
      | 'support_coordinator'
      | 'safety_officer'
      | 'department_lead'
      | 'admin'
      | 'auditor';
    Profession: 'nurse' | 'physician' | 'pharmacist' | 'allied_health' | 'support_staff' | 'other';
    ApiKeyScope: 'reports:write' | 'reports:read' | 'staffing:write' | 'fhir:read';
    MeRead: {
      id: string;
      email: string;
      display_name: string;
      roles: components['schemas']['Role'][];
      department_id: string | null;
      department_name: string | null;
      profession: components['schemas']['Profession'];
      is_active: boolean;
    };
    DepartmentRead: {
      id: string;
      name: string;
      code: string;
      is_active: boolean;
      version: number;
      created_at: string;
    };
    DepartmentCreate: { name: string; code: string };
    DepartmentUpdate: { name?: string | null; code?: string | null; is_active?: boolean | null };
    Page_DepartmentRead_: {
      items: components['schemas']['DepartmentRead'][];
      next_cursor: string | null;
    };
    UserRead: {
      id: string;
      email: string;
      display_name: string;
      roles: components['schemas']['Role'][];
      department_id: string | null;
      profession: components['schemas']['Profession'];
      is_active: boolean;
      version: number;
      created_at: string;
    };
    UserCreated: components['schemas']['UserRead'] & { initial_password: string | null };
    UserCreate: {
      email: string;
      display_name: string;
      roles: components['schemas']['Role'][];
      department_id?: string | null;
      profession: components['schemas']['Profession'];
      password?: string | null;
    };
    UserUpdate: {
      email?: string | null;
      display_name?: string | null;
      roles?: components['schemas']['Role'][] | null;
      department_id?: string | null;
      profession?: components['schemas']['Profession'] | null;
      is_active?: boolean | null;
    };
    Page_UserRead_: {
      items: components['schemas']['UserRead'][];
      next_cursor: string | null;
    };
    ApiKeyRead: {
      id: string;
      name: string;
      scopes: components['schemas']['ApiKeyScope'][];
      prefix: string;
      created_at: string;
      last_used_at: string | null;
      revoked_at: string | null;
    };
    ApiKeyCreate: { name: string; scopes: components['schemas']['ApiKeyScope'][] };
    ApiKeyCreated: components['schemas']['ApiKeyRead'] & { secret: string };
    Page_ApiKeyRead_: {
      items: components['schemas']['ApiKeyRead'][];
      next_cursor: string | null;
    };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}

export type $defs = Record<string, never>;
export type operations = Record<string, never>;
