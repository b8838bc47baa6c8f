import { api } from '../../api/client';
import { unwrap } from '../../api/problem';
import type { ApiKey, ApiKeyCreate, ApiKeyCreated, Page } from '../../api/types';

export async function listApiKeys(cursor: string | null): Promise<Page<ApiKey>> {
  return unwrap(await api.GET('/api/v1/api-keys', { params: { query: { limit: 50, ...(cursor ? { cursor } : {}) } } }));
}

export async function createApiKey(body: ApiKeyCreate, idempotencyKey: string): Promise<ApiKeyCreated> {
  return unwrap(await api.POST('/api/v1/api-keys', { body, params: { header: { 'Idempotency-Key': idempotencyKey } } }));
}

export async function revokeApiKey(apiKeyId: string): Promise<void> {
  const result = await api.DELETE('/api/v1/api-keys/{api_key_id}', { params: { path: { api_key_id: apiKeyId } } });
  unwrap(result);
}
