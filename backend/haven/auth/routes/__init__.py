"""The auth domain's routes beyond :mod:`haven.auth.router`, one module per concern:
``sign_in`` (the password step's delays and second factor, reset links), ``account`` (a
person's own password and authenticator, an administrator's reset link and unlock),
``guards`` (login CSRF), ``sessions`` (how a session reaches its caller), ``grants`` (the
token endpoint's form) and ``oidc`` (single sign-on)."""
