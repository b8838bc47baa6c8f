import { beforeEach, describe, expect, it } from 'vitest';
import { acceptTokens, clearSession } from '../../api/client';
import { tokens } from '../../test/http';
import {
  discardAllDrafts,
  discardDraft,
  DRAFT_TTL_MS,
  draftKey,
  emptyDraft,
  forgetDraftsOnSignOut,
  isBlank,
  loadDraft,
  saveDraft,
  toAnonymousCreate,
  toReportCreate,
  type ReportDraft,
} from './draft';

const SAM = 'user-sam';
const ALEX = 'user-alex';
const NOW = 1_750_000_000_000;

function filled(overrides: Partial<ReportDraft> = {}): ReportDraft {
  return {
    ...emptyDraft('2025-06-14', 'dep-1'),
    step: 2,
    kind: 'incident',
    category: 'medication',
    description: '  Insulin given twice  ',
    immediateActions: '',
    location: ' Bay 3 ',
    harm: 'mild',
    nccMerp: 'E',
    factors: ['handoff'],
    mode: 'confidential',
    ...overrides,
  };
}

beforeEach(() => {
  localStorage.clear();
  sessionStorage.clear();
});

describe('saving and loading a draft', () => {
  it('keeps a draft per person and gives it back', () => {
    saveDraft(localStorage, SAM, filled(), NOW);
    expect(loadDraft(localStorage, SAM, NOW + 1000)).toEqual(filled());
    expect(loadDraft(localStorage, ALEX, NOW + 1000)).toBeNull();
  });

  it('does not keep a blank draft, and removes a kept one that became blank', () => {
    saveDraft(localStorage, SAM, emptyDraft('2025-06-14', 'dep-1'), NOW);
    expect(localStorage.length).toBe(0);
    saveDraft(localStorage, SAM, filled(), NOW);
    saveDraft(localStorage, SAM, emptyDraft('2025-06-14', 'dep-1'), NOW);
    expect(localStorage.getItem(draftKey(SAM))).toBeNull();
  });

  it('drops a draft older than its lifetime', () => {
    saveDraft(localStorage, SAM, filled(), NOW);
    expect(loadDraft(localStorage, SAM, NOW + DRAFT_TTL_MS + 1)).toBeNull();
    expect(localStorage.length).toBe(0);
  });

  it.each([
    ['not JSON', '{oops'],
    ['no timestamp', JSON.stringify({ draft: filled() })],
    ['an unknown kind', JSON.stringify({ savedAt: NOW, draft: { ...filled(), kind: 'mistake' } })],
    ['an unknown factor', JSON.stringify({ savedAt: NOW, draft: { ...filled(), factors: ['blame'] } })],
    ['a step out of range', JSON.stringify({ savedAt: NOW, draft: { ...filled(), step: 9 } })],
    ['an over-long description', JSON.stringify({ savedAt: NOW, draft: { ...filled(), description: 'x'.repeat(10_001) } })],
  ])('drops a stored value with %s', (_, raw) => {
    localStorage.setItem(draftKey(SAM), raw);
    expect(loadDraft(localStorage, SAM, NOW)).toBeNull();
    expect(localStorage.length).toBe(0);
  });

  it('survives storage that refuses to write', () => {
    const full = {
      ...localStorage,
      getItem: () => null,
      setItem: () => {
        throw new DOMException('full', 'QuotaExceededError');
      },
      removeItem: () => undefined,
    } as unknown as Storage;
    expect(() => saveDraft(full, SAM, filled(), NOW)).not.toThrow();
  });

  it('removes one person’s draft, or every report draft on sign-out, and nothing else', () => {
    localStorage.setItem('unrelated', 'kept');
    saveDraft(localStorage, SAM, filled(), NOW);
    saveDraft(localStorage, ALEX, filled(), NOW);
    discardDraft(localStorage, SAM);
    expect(loadDraft(localStorage, SAM, NOW)).toBeNull();
    expect(loadDraft(localStorage, ALEX, NOW)).not.toBeNull();
    discardAllDrafts(localStorage);
    expect(loadDraft(localStorage, ALEX, NOW)).toBeNull();
    expect(localStorage.getItem('unrelated')).toBe('kept');
  });
});

describe('isBlank', () => {
  it('ignores the defaults filled in for the person (date, department, step)', () => {
    expect(isBlank({ ...emptyDraft('2025-06-14', 'dep-1'), step: 3 })).toBe(true);
    expect(isBlank({ ...emptyDraft('2025-06-14', null), description: 'x' })).toBe(false);
  });
});

describe('request bodies', () => {
  it('builds a named or confidential report with trimmed text and no empty optionals', () => {
    expect(toReportCreate(filled())).toEqual({
      mode: 'confidential',
      kind: 'incident',
      category: 'medication',
      subcategory: null,
      harm: 'mild',
      ncc_merp: 'E',
      occurred_on: '2025-06-14',
      shift: null,
      department_id: 'dep-1',
      location: 'Bay 3',
      description: 'Insulin given twice',
      immediate_actions: null,
      contributing_factors: ['handoff'],
    });
  });

  it('sends no NCC MERP index for other categories, even if one was picked before', () => {
    expect(toReportCreate(filled({ category: 'fall' })).ncc_merp).toBeNull();
  });

  it('builds an anonymous report with no mode and nothing about the sender', () => {
    const body = toAnonymousCreate(filled({ mode: 'anonymous' }));
    expect(body).not.toHaveProperty('mode');
    expect(Object.keys(body).sort()).toEqual(
      [
        'category',
        'contributing_factors',
        'department_id',
        'description',
        'harm',
        'immediate_actions',
        'kind',
        'location',
        'ncc_merp',
        'occurred_on',
        'shift',
        'subcategory',
      ].sort(),
    );
  });
});

describe('forgetDraftsOnSignOut', () => {
  it('removes every report draft when someone signs out, but not when a session merely expires', () => {
    forgetDraftsOnSignOut();
    saveDraft(localStorage, SAM, filled());
    acceptTokens(tokens('access-1'));
    clearSession('expired');
    expect(loadDraft(localStorage, SAM)).not.toBeNull();

    acceptTokens(tokens('access-2'));
    clearSession('signed-out');
    expect(loadDraft(localStorage, SAM)).toBeNull();
  });
});
