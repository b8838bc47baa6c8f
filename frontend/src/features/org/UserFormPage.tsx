import { useCallback, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, NO_ERRORS, toFormErrors, type FormErrors } from '../../api/problem';
import {
  PROFESSION_LABELS,
  PROFESSIONS,
  ROLE_LABELS,
  ROLES,
  type Profession,
  type Role,
  type User,
  type UserCreated,
  type UserUpdate,
} from '../../api/types';
import { CheckboxGroup } from '../../components/CheckboxGroup';
import { FormError } from '../../components/FormError';
import { SecretReveal } from '../../components/SecretReveal';
import { SelectField } from '../../components/SelectField';
import { TextField } from '../../components/TextField';
import type { FlashState } from '../../hooks/useFlash';
import { useIdempotencyKey } from '../../hooks/useIdempotencyKey';
import { useLoad } from '../../hooks/useLoad';
import { usePageTitle } from '../../hooks/usePageTitle';
import { useAuth } from '../auth/useAuth';
import { createUser, getUser, updateUser } from './orgApi';
import { awaitingMessage, roleConflict, roleList, rolesAwaitingConfirmation } from './roleRules';
import { useDepartments } from './useDepartments';

const FIELDS = ['email', 'display_name', 'roles', 'department_id', 'profession', 'password'] as const;

interface Draft {
  email: string;
  displayName: string;
  roles: Role[];
  departmentId: string;
  profession: Profession;
  password: string;
}

const EMPTY: Draft = {
  email: '',
  displayName: '',
  roles: ['staff'],
  departmentId: '',
  profession: 'nurse',
  password: '',
};

function draftOf(user: User): Draft {
  return {
    email: user.email,
    displayName: user.display_name,
    roles: [...user.roles],
    departmentId: user.department_id ?? '',
    profession: user.profession,
    password: '',
  };
}

function changesFrom(original: User, draft: Draft): UserUpdate {
  const changes: UserUpdate = {};
  if (draft.email.trim() !== original.email) changes.email = draft.email.trim();
  if (draft.displayName.trim() !== original.display_name) changes.display_name = draft.displayName.trim();
  if ([...draft.roles].sort().join() !== [...original.roles].sort().join()) changes.roles = draft.roles;
  if ((draft.departmentId || null) !== original.department_id) changes.department_id = draft.departmentId || null;
  if (draft.profession !== original.profession) changes.profession = draft.profession;
  return changes;
}

export default function UserFormPage() {
  const { userId } = useParams();
  const editing = userId !== undefined;
  usePageTitle(editing ? 'Edit user' : 'New user');
  const navigate = useNavigate();
  const idempotencyKey = useIdempotencyKey();
  const departments = useDepartments();
  const { me } = useAuth();

  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [stale, setStale] = useState(false);
  const [submitting, setSubmitting] = useState(false);
  const [created, setCreated] = useState<UserCreated | null>(null);

  const loadUser = useCallback(() => getUser(userId ?? ''), [userId]);
  const user = useLoad(editing ? loadUser : null, (found) => {
    setDraft(draftOf(found));
    setErrors(NO_ERRORS);
    setStale(false);
  });
  const original = user.data;

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSubmitting(true);
    setErrors(NO_ERRORS);
    setStale(false);
    try {
      if (original) {
        const saved = await updateUser(original, changesFrom(original, draft));
        const waiting = saved.pending_grant ? ` ${awaitingMessage(saved.pending_grant)}` : '';
        const state: FlashState = { flash: `User ${saved.display_name} saved.${waiting}` };
        navigate('/admin/users', { state });
        return;
      }
      const result = await createUser(
        {
          email: draft.email.trim(),
          display_name: draft.displayName.trim(),
          roles: draft.roles,
          department_id: draft.departmentId || null,
          profession: draft.profession,
          ...(draft.password ? { password: draft.password } : {}),
        },
        idempotencyKey.current(),
      );
      if (result.initial_password) {
        // The server shows a generated password exactly once: keep the admin here to copy it.
        setCreated(result);
        setDraft(EMPTY);
        idempotencyKey.renew();
        setSubmitting(false);
      } else {
        const waiting = result.pending_grant ? ` ${awaitingMessage(result.pending_grant)}` : '';
        const state: FlashState = { flash: `User ${result.display_name} created.${waiting}` };
        navigate('/admin/users', { state });
      }
    } catch (error) {
      if (error instanceof ApiError) idempotencyKey.renew();
      setErrors(toFormErrors(error, { fields: FIELDS }));
      setStale(error instanceof ApiError && error.status === 412);
      setSubmitting(false);
    }
  };

  if (created?.initial_password) {
    return (
      <>
        <p className="breadcrumb">
          <Link to="/admin/users">Users</Link>
        </p>
        <h1>User {created.display_name} created</h1>
        <SecretReveal
          title="Initial password"
          label={`Initial password for ${created.email}`}
          secret={created.initial_password}
          explanation="Haven generated this password and will not show it again. Copy it now and give it to the person through a safe channel."
        />
        {created.pending_grant ? <p className="alert alert--info">{awaitingMessage(created.pending_grant)}</p> : null}
        <div className="form__actions">
          <Link to="/admin/users" className="button button--primary">
            Back to users
          </Link>
          <button type="button" className="button button--secondary" onClick={() => setCreated(null)}>
            Create another user
          </button>
        </div>
      </>
    );
  }

  const ownAccount = editing && original !== null && original.id === me?.id;
  const departmentChanged = original !== null && (draft.departmentId || null) !== original.department_id;
  const awaiting = rolesAwaitingConfirmation(original?.roles ?? [], draft.roles, departmentChanged);
  const rolesHint = ownAccount
    ? 'Nobody changes their own roles: another administrator does.'
    : 'A person may hold several roles. Administrator, auditor, safety officer, support coordinator and department lead take effect when a second administrator confirms them.';

  const activeDepartments = departments.departments.filter(
    (d) => d.is_active || d.id === original?.department_id,
  );

  return (
    <>
      <p className="breadcrumb">
        <Link to="/admin/users">Users</Link>
      </p>
      <h1>{editing ? `Edit user${original ? `: ${original.display_name}` : ''}` : 'New user'}</h1>
      {user.loading ? (
        <p role="status">Loading user…</p>
      ) : (
        <form className="form" onSubmit={(event) => void onSubmit(event)} noValidate>
          <FormError message={user.error ?? errors.formError ?? departments.error}>
            {stale ? (
              <button type="button" className="button button--secondary" onClick={user.reload}>
                Reload the latest version
              </button>
            ) : null}
          </FormError>
          <TextField
            label="Email"
            type="email"
            name="email"
            autoComplete="off"
            required
            value={draft.email}
            onChange={(event) => set('email', event.target.value)}
            error={errors.fieldErrors.email}
          />
          <TextField
            label="Display name"
            name="display_name"
            autoComplete="off"
            required
            value={draft.displayName}
            onChange={(event) => set('displayName', event.target.value)}
            error={errors.fieldErrors.display_name}
          />
          <CheckboxGroup
            legend="Roles"
            name="roles"
            hint={rolesHint}
            options={ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] }))}
            values={draft.roles}
            onChange={(values) => set('roles', values as Role[])}
            error={errors.fieldErrors.roles ?? roleConflict(draft.roles) ?? undefined}
            disabled={ownAccount}
          />
          {awaiting.length > 0 && !ownAccount ? (
            <p className="alert alert--info">
              Saving asks a second administrator to confirm {roleList(awaiting)}; until then the person does not
              hold {awaiting.length === 1 ? 'it' : 'them'}.
            </p>
          ) : null}
          <SelectField
            label="Department"
            name="department_id"
            value={draft.departmentId}
            onChange={(event) => set('departmentId', event.target.value)}
            error={errors.fieldErrors.department_id}
            options={[
              { value: '', label: departments.loading ? 'Loading departments…' : 'No department' },
              ...activeDepartments.map((d) => ({ value: d.id, label: d.name })),
            ]}
          />
          <SelectField
            label="Profession"
            name="profession"
            value={draft.profession}
            onChange={(event) => set('profession', event.target.value as Profession)}
            error={errors.fieldErrors.profession}
            options={PROFESSIONS.map((p) => ({ value: p, label: PROFESSION_LABELS[p] }))}
          />
          {editing ? null : (
            <TextField
              label="Password (optional)"
              type="password"
              name="password"
              autoComplete="new-password"
              hint="At least 12 characters. Leave empty and Haven generates one, shown to you once."
              value={draft.password}
              onChange={(event) => set('password', event.target.value)}
              error={errors.fieldErrors.password}
            />
          )}
          <div className="form__actions">
            <button type="submit" className="button button--primary" disabled={submitting || (editing && !original)}>
              {submitting ? 'Saving…' : editing ? 'Save changes' : 'Create user'}
            </button>
            <Link to="/admin/users" className="button button--secondary">
              Cancel
            </Link>
          </div>
        </form>
      )}
    </>
  );
}
