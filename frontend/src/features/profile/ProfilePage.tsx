import { PROFESSION_LABELS, ROLE_LABELS } from '../../api/types';
import { FormError } from '../../components/FormError';
import { useLoad } from '../../hooks/useLoad';
import { usePageTitle } from '../../hooks/usePageTitle';
import { fetchMe } from '../auth/authApi';
import { SignInSecurity } from './SignInSecurity';

const loadMe = () => fetchMe();

export default function ProfilePage() {
  usePageTitle('Profile');
  const { data: me, error } = useLoad(loadMe);

  return (
    <>
      <h1>Profile</h1>
      <FormError message={error} />
      {me === null && error === null ? <p role="status">Loading your profile…</p> : null}
      {me ? (
        <dl className="details">
          <div>
            <dt>Name</dt>
            <dd>{me.display_name}</dd>
          </div>
          <div>
            <dt>Email</dt>
            <dd>{me.email}</dd>
          </div>
          <div>
            <dt>Roles</dt>
            <dd>
              <ul className="tag-list" aria-label="Roles">
                {me.roles.map((role) => (
                  <li key={role} className="tag">
                    {ROLE_LABELS[role] ?? role}
                  </li>
                ))}
              </ul>
            </dd>
          </div>
          <div>
            <dt>Department</dt>
            <dd>{me.department_name ?? 'No department'}</dd>
          </div>
          <div>
            <dt>Profession</dt>
            <dd>{PROFESSION_LABELS[me.profession] ?? me.profession}</dd>
          </div>
        </dl>
      ) : null}
      {me ? <SignInSecurity /> : null}
    </>
  );
}
