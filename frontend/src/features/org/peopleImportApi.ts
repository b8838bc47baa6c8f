/**
 * The bulk import of people (README, "Importing people from a CSV file"): upload a file,
 * then continue the import batch by batch until it is done.
 */
import { api } from '../../api/client';
import { unwrap } from '../../api/problem';
import type { Page, PeopleImport, PeopleImportOutcome, PeopleImportRow } from '../../api/types';

export async function uploadPeopleFile(file: File): Promise<PeopleImport> {
  return unwrap(
    await api.POST('/api/v1/people-imports', {
      // The generated type says string (OpenAPI's binary); what goes is the file, in a form.
      body: { file: file as unknown as string },
      bodySerializer: (body) => {
        const form = new FormData();
        form.append('file', body.file as unknown as Blob, file.name);
        return form;
      },
    }),
  );
}

export async function getPeopleImport(importId: string): Promise<PeopleImport> {
  return unwrap(
    await api.GET('/api/v1/people-imports/{import_id}', { params: { path: { import_id: importId } } }),
  );
}

/** Work through the next batch of rows (the server decides how many); the progress after it. */
export async function continuePeopleImport(importId: string): Promise<PeopleImport> {
  return unwrap(
    await api.POST('/api/v1/people-imports/{import_id}/continue', {
      params: { path: { import_id: importId } },
    }),
  );
}

export async function listImportRows(
  importId: string,
  outcome: PeopleImportOutcome | null,
  cursor: string | null,
): Promise<Page<PeopleImportRow>> {
  return unwrap(
    await api.GET('/api/v1/people-imports/{import_id}/rows', {
      params: {
        path: { import_id: importId },
        query: { limit: 200, ...(outcome ? { outcome } : {}), ...(cursor ? { cursor } : {}) },
      },
    }),
  );
}
