import { useState, type FormEvent } from 'react';
import { NO_ERRORS, toFormErrors, type FormErrors } from '../../api/problem';
import {
  RESOURCE_KIND_LABELS,
  RESOURCE_KINDS,
  type SupportResourceItem,
  type SupportResourceKind,
  type SupportResources,
} from '../../api/types';
import { FormError } from '../../components/FormError';
import { SelectField } from '../../components/SelectField';
import { StatusMessage } from '../../components/StatusMessage';
import { TextField } from '../../components/TextField';
import { useLoad } from '../../hooks/useLoad';
import { usePageTitle } from '../../hooks/usePageTitle';
import { getResources, setResources } from './supportApi';

const loadResources = () => getResources();

export default function ResourcesAdminPage() {
  usePageTitle('Crisis contacts');
  const [items, setItems] = useState<SupportResourceItem[]>([]);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [status, setStatus] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  // The form edits a copy of what was read, and of what a save answers.
  const fill = (value: SupportResources) =>
    setItems(value.items.map((i) => ({ kind: i.kind, name: i.name, phone: i.phone, url: i.url, hours: i.hours })));
  const resources = useLoad(loadResources, fill);
  const data = resources.data;

  const update = (index: number, change: Partial<SupportResourceItem>) =>
    setItems(items.map((item, i) => (i === index ? { ...item, ...change } : item)));

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (!data) return;
    setSaving(true);
    setErrors(NO_ERRORS);
    setStatus(null);
    const clean = items.map((i) => ({
      kind: i.kind,
      name: i.name.trim(),
      phone: i.phone?.trim() || null,
      url: i.url?.trim() || null,
      hours: i.hours?.trim() || null,
    }));
    try {
      const saved = await setResources(data.version, clean);
      resources.set(saved);
      fill(saved);
      setStatus('Crisis contacts saved. They show on every support page, also without sign-in.');
    } catch (error) {
      setErrors(toFormErrors(error));
    } finally {
      setSaving(false);
    }
  };

  return (
    <>
      <h1>Crisis contacts</h1>
      <FormError message={resources.error} />
      <StatusMessage message={status} />
      {data ? (
        <form className="form" onSubmit={(event) => void onSubmit(event)} noValidate>
          <FormError message={errors.formError} />
          {items.map((item, index) => (
            <fieldset key={index} className="panel">
              <legend>Contact {index + 1}</legend>
              <SelectField
                label="Kind"
                value={item.kind}
                onChange={(event) => update(index, { kind: event.target.value as SupportResourceKind })}
                options={RESOURCE_KINDS.map((k) => ({ value: k, label: RESOURCE_KIND_LABELS[k] }))}
              />
              <TextField
                label="Name"
                maxLength={120}
                value={item.name}
                onChange={(event) => update(index, { name: event.target.value })}
                error={errors.fieldErrors[`items.${index}.name`]}
              />
              <TextField
                label="Phone"
                maxLength={40}
                value={item.phone ?? ''}
                onChange={(event) => update(index, { phone: event.target.value })}
                error={errors.fieldErrors[`items.${index}.phone`]}
              />
              <TextField
                label="Web address"
                type="url"
                maxLength={300}
                value={item.url ?? ''}
                onChange={(event) => update(index, { url: event.target.value })}
                error={errors.fieldErrors[`items.${index}.url`]}
              />
              <TextField
                label="Hours"
                maxLength={120}
                value={item.hours ?? ''}
                onChange={(event) => update(index, { hours: event.target.value })}
                error={errors.fieldErrors[`items.${index}.hours`]}
              />
              <button
                type="button"
                className="button button--secondary"
                onClick={() => setItems(items.filter((_, i) => i !== index))}
              >
                Remove contact {index + 1}
              </button>
            </fieldset>
          ))}
          <div className="form__actions">
            <button
              type="button"
              className="button button--secondary"
              onClick={() => setItems([...items, { kind: 'crisis_line', name: '', phone: null, url: null, hours: null }])}
            >
              Add a contact
            </button>
            <button type="submit" className="button button--primary" disabled={saving}>
              {saving ? 'Saving…' : 'Save contacts'}
            </button>
          </div>
        </form>
      ) : resources.loading ? (
        <p role="status">Loading contacts…</p>
      ) : null}
    </>
  );
}
