import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import type { CurrentCheckin } from '../../api/types';
import { json, pathOf, problem, stubFetch } from '../../test/http';
import CheckinPage from './CheckinPage';

const CURRENT: CurrentCheckin = {
  template_id: '00000000-0000-4000-8000-000000000001',
  template_version: 1,
  name: 'Weekly well-being check-in',
  period: 'weekly',
  period_start: '2026-11-16',
  period_end: '2026-11-22',
  has_answered: false,
  questions: [
    { key: 'stress', text: 'How stressed have you felt?', type: 'scale_1_5', low_label: 'Not at all', high_label: 'Extremely', higher_is_better: false },
    { key: 'workload_manageable', text: 'Was your workload manageable?', type: 'yes_no', low_label: null, high_label: null, higher_is_better: null },
    { key: 'reach_out', text: 'Would you like someone to reach out?', type: 'reach_out', low_label: null, high_label: null, higher_is_better: null },
  ],
};

function answer(name: string, option: string) {
  const group = screen.getByRole('group', { name });
  return userEvent.click(within(group).getByRole('radio', { name: new RegExp(`^${option}`) }));
}

describe('CheckinPage', () => {
  it('sends the answers and no consent unless asked to be contacted', async () => {
    const sent: unknown[] = [];
    stubFetch(async (request) => {
      if (pathOf(request) === '/api/v1/checkins/current') return json(200, CURRENT);
      sent.push(await request.json());
      return json(201, { period_start: '2026-11-16', period_end: '2026-11-22', support_requested: false });
    });
    render(<CheckinPage />);
    await screen.findByRole('group', { name: 'How stressed have you felt?' });
    await answer('How stressed have you felt?', '4');
    await answer('Was your workload manageable?', 'No');
    await userEvent.click(screen.getByRole('button', { name: 'Send my answers' }));
    expect(await screen.findByText(/Your answers for the week of 16 Nov are in/)).toBeTruthy();
    expect(screen.getByText(/counted together with other people’s answers, never on their own/)).toBeTruthy();
    expect(sent).toEqual([{ answers: { stress: 4, workload_manageable: false }, consent_to_contact: false }]);
  });

  it('asks for consent only when the person wants to be contacted', async () => {
    stubFetch(() => json(200, CURRENT));
    render(<CheckinPage />);
    await screen.findByRole('group', { name: 'Would you like someone to reach out?' });
    expect(screen.queryByRole('checkbox')).toBeNull();
    await answer('Would you like someone to reach out?', 'Yes');
    expect(screen.getByRole('checkbox', { name: /peer supporter may contact me/ })).toBeTruthy();
  });

  it('shows the API error next to the question', async () => {
    stubFetch((request) =>
      pathOf(request) === '/api/v1/checkins/current'
        ? json(200, CURRENT)
        : problem(422, {
            detail: 'Some answers are missing or not valid.',
            errors: [{ field: 'answers.stress', location: 'body', message: 'Choose a number from 1 to 5.' }],
          }),
    );
    render(<CheckinPage />);
    await screen.findByRole('group', { name: 'How stressed have you felt?' });
    await userEvent.click(screen.getByRole('button', { name: 'Send my answers' }));
    const group = await screen.findByRole('group', { name: 'How stressed have you felt?' });
    expect(await within(group).findByText('Choose a number from 1 to 5.')).toBeTruthy();
  });

  it('says when this period is already answered', async () => {
    stubFetch(() => json(200, { ...CURRENT, has_answered: true }));
    render(<CheckinPage />);
    expect(await screen.findByText(/already answered the check-in for the week of 16 Nov/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Send my answers' })).toBeNull();
  });
});
