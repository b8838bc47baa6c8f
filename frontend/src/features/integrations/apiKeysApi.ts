import { api } from '../../api/client';
import { ifMatch } from '../../api/headers';
import { unwrap } from '../../api/problem';
import type { ApiKey, ApiKeyCreate, ApiKeyCreated, Page } from '../../api/types';

export async function listApiKeys(cursor: string | null): Promise<Page<ApiKey>> {
  return unwrap(await api.GET('/api/v1/api-keys', { params: { query: { limit: 50, ...(cursor ? { cursor } : {}) } } }));
}

/** Keys that read content, waiting for a second administrator (newest first). */
export async function listPendingApiKeys(cursor: string | null): Promise<Page<ApiKey>> {
  return unwrap(
    await api.GET('/api/v1/api-keys', {
      params: { query: { limit: 50, status: 'pending', ...(cursor ? { cursor } : {}) } },
    }),
  );
}

export async function createApiKey(body: ApiKeyCreate, idempotencyKey: string): Promise<ApiKeyCreated> {
  return unwrap(await api.POST('/api/v1/api-keys', { body, params: { header: { 'Idempotency-Key': idempotencyKey } } }));
}

export async function revokeApiKey(apiKeyId: string): Promise<void> {
  const result = await api.DELETE('/api/v1/api-keys/{api_key_id}', { params: { path: { api_key_id: apiKeyId } } });
  unwrap(result);
}

export type ApiKeyAction = 'confirm' | 'reject' | 'cancel';

export async function decideApiKey(key: Pick<ApiKey, 'id' | 'version'>, action: ApiKeyAction): Promise<ApiKey> {
  const options = {
    params: { path: { api_key_id: key.id }, header: { 'If-Match': ifMatch(key.version) } },
  };
  if (action === 'confirm') return unwrap(await api.POST('/api/v1/api-keys/{api_key_id}/confirm', options));
  if (action === 'reject') return unwrap(await api.POST('/api/v1/api-keys/{api_key_id}/reject', options));
  return unwrap(await api.POST('/api/v1/api-keys/{api_key_id}/cancel', options));
}
