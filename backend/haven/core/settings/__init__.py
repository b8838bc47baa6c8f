"""Settings, read from ``HAVEN_*`` environment variables through one cached function.

``from haven.core.settings import X`` is the way in; each name leads to its home:

    root      :class:`Settings` (``HAVEN_*``) and :func:`get_settings`; where the secret key
              comes from, the keys derived from it outside production, and the checks that
              refuse an unsafe production start
    domains   each domain's nested settings (``HAVEN_AUTH_*``, ``HAVEN_REPORTS_*``,
              ``HAVEN_LIMITS_*``, ``HAVEN_INSIGHTS_*``, ``HAVEN_DEBRIEFS_*``, ``HAVEN_SMTP_*``,
              ``HAVEN_SUPPORT_*``)
    audit     the audit log's (``HAVEN_AUDIT_*``): the chain's key and its anchors
    oidc      single sign-on's (``HAVEN_OIDC_*``): the provider, the client, the claim mapping
    scim      provisioning's (``HAVEN_SCIM_*``): which directory groups grant which roles
    base      the environments, the minimum secret length, ``ConfigurationError``
"""

from __future__ import annotations

from haven.core.settings.audit import AUDIT_ANCHOR_FILE_NAME as AUDIT_ANCHOR_FILE_NAME
from haven.core.settings.audit import AuditSettings as AuditSettings
from haven.core.settings.audit import decode_key32 as decode_key32
from haven.core.settings.base import DEV_SECRET_FILE_NAME as DEV_SECRET_FILE_NAME
from haven.core.settings.base import MIN_SECRET_LENGTH as MIN_SECRET_LENGTH
from haven.core.settings.base import REPO_ROOT as REPO_ROOT
from haven.core.settings.base import ConfigurationError as ConfigurationError
from haven.core.settings.base import Environment as Environment
from haven.core.settings.domains import DEFAULT_GROUND_RULES as DEFAULT_GROUND_RULES
from haven.core.settings.domains import DEFAULT_HIGH_RISK_SCENARIOS as DEFAULT_HIGH_RISK_SCENARIOS
from haven.core.settings.domains import AuthSettings as AuthSettings
from haven.core.settings.domains import DebriefSettings as DebriefSettings
from haven.core.settings.domains import InsightsSettings as InsightsSettings
from haven.core.settings.domains import LimitSettings as LimitSettings
from haven.core.settings.domains import ReportSettings as ReportSettings
from haven.core.settings.domains import ScenarioSetting as ScenarioSetting
from haven.core.settings.domains import SmtpSettings as SmtpSettings
from haven.core.settings.domains import SupportSettings as SupportSettings
from haven.core.settings.oidc import OidcSettings as OidcSettings
from haven.core.settings.root import Settings as Settings
from haven.core.settings.root import get_settings as get_settings
from haven.core.settings.scim import ScimSettings as ScimSettings
