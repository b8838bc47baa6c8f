"""Auth rules: sign-in with throttling and lockout, token rotation, principals, users, API keys.

Functions take a session and, where an actor matters, the acting principal; they never
commit (the request's unit of work does) and raise :mod:`haven.core.errors` on refusal.

This module is the domain's public face: routers, other domains, the CLI and the demo import
it. The rules live by concern, one hop away:

* :mod:`haven.auth.sign_in`: password sign-in, its throttle and lockout, access and refresh
  tokens (issue, rotate, revoke);
* :mod:`haven.auth.principals`: who a bearer token is (a person, a report session, an API key);
* :mod:`haven.auth.users`: create, read, list and change people, and look-ups for other domains;
* :mod:`haven.auth.roles`: the roles a person holds, the forbidden combinations, the audit of
  role changes (the pure rules are in :mod:`haven.auth.policy`);
* :mod:`haven.auth.role_grants`: the second administrator's confirmation of privileged roles;
* :mod:`haven.auth.api_keys`: API keys and the confirmation of those that read content.
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
from haven.auth.policy import is_safety_officer as is_safety_officer
from haven.auth.policy import leads_department as leads_department
from haven.auth.principals import ACCESS_AUDIENCE as ACCESS_AUDIENCE
from haven.auth.principals import principal_for_bearer as principal_for_bearer
from haven.auth.principals import principal_from_database as principal_from_database
from haven.auth.principals import principal_without_database as principal_without_database
from haven.auth.role_grants import cancel_role_grant as cancel_role_grant
from haven.auth.role_grants import confirm_role_grant as confirm_role_grant
from haven.auth.role_grants import expire_role_grants as expire_role_grants
from haven.auth.role_grants import get_role_grant as get_role_grant
from haven.auth.role_grants import list_role_grants as list_role_grants
from haven.auth.role_grants import reject_role_grant as reject_role_grant
from haven.auth.roles import RoleViolation as RoleViolation
from haven.auth.roles import conflicting_role_pairs as conflicting_role_pairs
from haven.auth.roles import role_violations as role_violations
from haven.auth.sign_in import IssuedTokens as IssuedTokens
from haven.auth.sign_in import authenticate as authenticate
from haven.auth.sign_in import issue_tokens as issue_tokens
from haven.auth.sign_in import revoke_session as revoke_session
from haven.auth.sign_in import rotate_refresh_token as rotate_refresh_token
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
