"""Auth rules: sign-in (growing delays, never a lockout), sessions, principals, users, API keys.

Functions take a session and, where an actor matters, the acting principal; they never
commit (the request's unit of work does) and raise :mod:`haven.core.errors` on refusal.

This module is the domain's public face: routers, other domains, the CLI and the demo import
it. The rules live by concern, one hop away:

* :mod:`haven.auth.sign_in`: password sign-in, its growing delays, access and refresh
  tokens (issue, rotate, revoke);
* :mod:`haven.auth.principals`: who a bearer token is (a person, a report session, an API key);
* :mod:`haven.auth.users`: create, read, list and change people, and look-ups for other domains;
* :mod:`haven.auth.roles`: the roles a person holds, the forbidden combinations, the audit of
  role changes (the pure rules are in :mod:`haven.auth.policy`);
* :mod:`haven.auth.role_grants`: the second administrator's confirmation of privileged roles;
* :mod:`haven.auth.api_keys`: API keys and the confirmation of those that read content;
* :mod:`haven.auth.oidc`: single sign-on with the organisation's OpenID Connect provider
  (the flow and the id token's checks), :mod:`haven.auth.identities`: the account a
  provider's identity signs in to (linked, matched, or created just in time from the claim
  mapping), :mod:`haven.auth.methods`: which sign-in methods are on;
* :mod:`haven.auth.passwords`: the password policy, a person's change, reset links, unlock;
  :mod:`haven.auth.totp`: the second factor (TOTP) and its recovery codes;
* :mod:`haven.auth.sessions`: ending a person's sessions at once, in every process;
* :mod:`haven.auth.directory` (people as the hospital's directory knows them: keys, look-ups,
  filters), :mod:`haven.auth.provisioning` (a directory creates, changes and deletes them),
  :mod:`haven.auth.directory_groups` (its groups, and the roles they give): the account rules
  behind SCIM and the CSV import, whose protocols are the org domain's.
"""

from __future__ import annotations

from haven.auth.api_keys import cancel_api_key as cancel_api_key
from haven.auth.api_keys import confirm_api_key as confirm_api_key
from haven.auth.api_keys import create_api_key as create_api_key
from haven.auth.api_keys import expire_api_keys as expire_api_keys
from haven.auth.api_keys import get_api_key as get_api_key
from haven.auth.api_keys import list_api_keys as list_api_keys
from haven.auth.api_keys import reject_api_key as reject_api_key
from haven.auth.api_keys import revoke_api_key as revoke_api_key
from haven.auth.directory import KEEP as KEEP
from haven.auth.directory import AccountChange as AccountChange
from haven.auth.directory import AccountFields as AccountFields
from haven.auth.directory import AccountFilter as AccountFilter
from haven.auth.directory import AllOf as AllOf
from haven.auth.directory import AnyOf as AnyOf
from haven.auth.directory import DirectoryAccount as DirectoryAccount
from haven.auth.directory import DirectoryActor as DirectoryActor
from haven.auth.directory import DirectoryAttribute as DirectoryAttribute
from haven.auth.directory import Keep as Keep
from haven.auth.directory import Match as Match
from haven.auth.directory import Outcome as Outcome
from haven.auth.directory import directory_actor_for as directory_actor_for
from haven.auth.directory import find_account_id as find_account_id
from haven.auth.directory import get_account as get_account
from haven.auth.directory import list_accounts as list_accounts
from haven.auth.directory_groups import GroupRecord as GroupRecord
from haven.auth.directory_groups import change_group as change_group
from haven.auth.directory_groups import check_directory_settings as check_directory_settings
from haven.auth.directory_groups import create_group as create_group
from haven.auth.directory_groups import delete_group as delete_group
from haven.auth.directory_groups import get_group as get_group
from haven.auth.directory_groups import list_groups as list_groups
from haven.auth.identities import declare_department_lookup as declare_department_lookup
from haven.auth.identities import sign_in_with_provider as sign_in_with_provider
from haven.auth.methods import check_sign_in_settings as check_sign_in_settings
from haven.auth.methods import require_password_sign_in as require_password_sign_in
from haven.auth.methods import sign_in_methods as sign_in_methods
from haven.auth.oidc import begin_sign_in as begin_sign_in
from haven.auth.passwords import unlock_sign_in as unlock_sign_in
from haven.auth.policy import is_safety_officer as is_safety_officer
from haven.auth.policy import leads_department as leads_department
from haven.auth.principals import ACCESS_AUDIENCE as ACCESS_AUDIENCE
from haven.auth.principals import PersonToken as PersonToken
from haven.auth.principals import principal_for_bearer as principal_for_bearer
from haven.auth.principals import principal_from_database as principal_from_database
from haven.auth.principals import principal_without_database as principal_without_database
from haven.auth.principals import require_current_session as require_current_session
from haven.auth.provisioning import change_account as change_account
from haven.auth.provisioning import create_account as create_account
from haven.auth.provisioning import deprovision_account as deprovision_account
from haven.auth.role_grants import cancel_role_grant as cancel_role_grant
from haven.auth.role_grants import confirm_role_grant as confirm_role_grant
from haven.auth.role_grants import expire_role_grants as expire_role_grants
from haven.auth.role_grants import get_role_grant as get_role_grant
from haven.auth.role_grants import list_role_grants as list_role_grants
from haven.auth.role_grants import reject_role_grant as reject_role_grant
from haven.auth.roles import RoleViolation as RoleViolation
from haven.auth.roles import conflicting_role_pairs as conflicting_role_pairs
from haven.auth.roles import role_violations as role_violations
from haven.auth.sessions import end_sessions as end_sessions
from haven.auth.sign_in import InvalidCredentials as InvalidCredentials
from haven.auth.sign_in import IssuedTokens as IssuedTokens
from haven.auth.sign_in import authenticate as authenticate
from haven.auth.sign_in import issue_tokens as issue_tokens
from haven.auth.sign_in import record_sign_in as record_sign_in
from haven.auth.sign_in import revoke_session as revoke_session
from haven.auth.sign_in import rotate_refresh_token as rotate_refresh_token
from haven.auth.totp import reset_second_factor as reset_second_factor
from haven.auth.users import UserSummary as UserSummary
from haven.auth.users import active_user_id_by_email as active_user_id_by_email
from haven.auth.users import count_users as count_users
from haven.auth.users import create_user as create_user
from haven.auth.users import get_user as get_user
from haven.auth.users import list_users as list_users
from haven.auth.users import search_active_users as search_active_users
from haven.auth.users import update_user as update_user
from haven.auth.users import user_ids_with_role as user_ids_with_role
from haven.auth.users import user_summaries as user_summaries
from haven.auth.users import users_by_id as users_by_id
