import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { describe, expect, it } from 'vitest';
import type { SupportResources } from '../../api/types';
import { json, pathOf, problem, stubFetch } from '../../test/http';
import GetSupportPage from './GetSupportPage';

const RESOURCES: SupportResources = {
  version: 1,
  items: [{ kind: 'crisis_line', name: '24-hour crisis line', phone: '116 123', url: null, hours: '24/7' }],
};

function renderPage() {
  return render(
    <MemoryRouter>
      <GetSupportPage />
    </MemoryRouter>,
  );
}

describe('GetSupportPage', () => {
  it('shows the crisis line on the calm path and, stronger, the moment urgent is chosen', async () => {
    stubFetch((request) => (pathOf(request) === '/api/v1/support/resources' ? json(200, RESOURCES) : problem(404)));
    renderPage();
    const calm = await screen.findByRole('complementary', { name: 'Need help right now?' });
    expect((await within(calm).findByRole('link', { name: '116 123' })).getAttribute('href')).toBe('tel:116123');

    await userEvent.setup().click(screen.getByLabelText('Urgent: as soon as possible'));

    const urgent = await screen.findByRole('complementary', { name: 'If you or someone else is in danger, call now' });
    expect(await within(urgent).findByRole('link', { name: '116 123' })).toBeTruthy();
  });

  it('says plainly who will see the request', async () => {
    stubFetch(() => json(200, RESOURCES));
    renderPage();
    expect(await screen.findByText(/never see it/)).toBeTruthy();
    expect(screen.getByText(/not linked to any report/)).toBeTruthy();
  });

  it('sends only what was filled in, with an idempotency key', async () => {
    const sent: { body: unknown; key: string | null }[] = [];
    stubFetch(async (request) => {
      if (pathOf(request) === '/api/v1/support/requests') {
        sent.push({ body: await request.json(), key: request.headers.get('Idempotency-Key') });
        return json(201, {
          id: '00000000-0000-4000-8000-00000000000a',
          kind: 'for_self',
          status: 'assigned',
          urgency: 'soon',
          due_at: new Date(Date.now() + 4 * 3600_000).toISOString(),
          who_sees_it: 'Only you and your supporter.',
          crisis_resources: [],
        });
      }
      return json(200, RESOURCES);
    });
    renderPage();
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText('Phone number or other contact (optional)'), '07700 900123');
    await user.click(screen.getByRole('button', { name: 'Ask for support' }));

    expect(await screen.findByRole('heading', { name: 'Your request is with us' })).toBeTruthy();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.body).toEqual({
      kind: 'for_self',
      urgency: 'soon',
      tier: 2,
      contact_details: '07700 900123',
      not_own_department: false,
    });
    expect(sent[0]!.key).toBeTruthy();
  });

  it('shows the API’s field error next to the colleague’s email', async () => {
    stubFetch((request) =>
      pathOf(request) === '/api/v1/support/requests'
        ? problem(422, {
            title: 'Invalid',
            detail: 'No active colleague has this email.',
            errors: [{ field: 'referred_email', location: 'body', message: 'Not an active colleague’s email.' }],
          })
        : json(200, RESOURCES),
    );
    renderPage();
    const user = userEvent.setup();
    await user.click(await screen.findByLabelText('A colleague I am worried about'));
    await user.type(screen.getByLabelText("Your colleague's work email"), 'nobody@example.org');
    await user.click(screen.getByRole('button', { name: 'Ask for support' }));

    const field = await screen.findByText('Not an active colleague’s email.');
    expect(field.className).toBe('field__error');
    expect(screen.getByLabelText("Your colleague's work email").getAttribute('aria-invalid')).toBe('true');
  });
});
