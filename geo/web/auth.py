"""Who is signed in at the desk. Readers need no account; editing needs sign-in, with
Streamlit's own st.login (any OIDC provider) or a sign-in proxy's identity headers.

Roles come from the provider's `groups` claim (names equal to a role, after an optional prefix),
the desk's members table, and EVENT_ATLAS_ADMINS. The page only offers what the roles allow; the
store checks every change again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from geo import settings
from geo.desk.roles import Editor, Role, roles_from_groups
from geo.desk.store import DeskStore

K_LAST_EDITOR = "desk_last_editor"


def _claims() -> Mapping[str, Any]:
    user = st.user
    return {key: user.get(key) for key in user}


def _groups(claims: Mapping[str, Any]) -> list[str]:
    value = claims.get("groups") or claims.get("roles") or []
    if isinstance(value, str):
        return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
    return [str(v) for v in value] if isinstance(value, list | tuple) else []


def editor_from_claims(claims: Mapping[str, Any], store: DeskStore) -> Editor | None:
    email = str(claims.get("email") or "").strip().lower()
    if not email:
        return None
    name = str(claims.get("name") or claims.get("preferred_username") or email)
    roles = set(roles_from_groups(_groups(claims), settings.role_prefix()))
    roles |= store.roles_of(email)
    if email in settings.desk_admins():
        roles.add(Role.ADMIN)
    return Editor(email, name, frozenset(roles))


def signed_in() -> bool:
    """st.login's flag; behind a sign-in proxy, an email in the trusted headers (Streamlit
    maps them into st.user but sets no flag)."""
    if settings.sign_in_mode() == "headers":
        return bool(_claims().get("email"))
    return bool(getattr(st.user, "is_logged_in", False))


def email_verified(claims: Mapping[str, Any]) -> bool:
    """The provider's word that the account's email is the person's (OIDC `email_verified`)."""
    value = claims.get("email_verified")
    return value is True or str(value).strip().lower() == "true"


def sign_in_problem() -> str | None:
    """Why a signed-in account is not let in, in words for the person; None when it is.

    An identity provider may hold accounts whose email nobody confirmed (self sign-up): such
    an account could claim an admin's address. With OIDC, only a verified email signs in,
    unless EVENT_ATLAS_REQUIRE_VERIFIED_EMAIL=off. A sign-in proxy vouches for its headers."""
    if settings.sign_in_mode() != "oidc" or not signed_in():
        return None
    claims = _claims()
    if email_verified(claims) or not settings.require_verified_email():
        return None
    email = str(claims.get("email") or "this account")
    return (
        f"Signed in as {email}, but the sign-in provider does not say this email address is "
        "verified, so the desk does not let it in. Verify the address with the provider and "
        "sign in again. (If your provider verifies every address but sends no "
        "email_verified claim, an administrator can set EVENT_ATLAS_REQUIRE_VERIFIED_EMAIL=off.)"
    )


def unverified_emails_warning() -> str | None:
    """What every editor is told while verified emails are not required."""
    if settings.sign_in_mode() != "oidc" or settings.require_verified_email():
        return None
    return (
        "This desk lets in accounts whose email the sign-in provider has not verified "
        "(EVENT_ATLAS_REQUIRE_VERIFIED_EMAIL=off): anyone who can create an account with an "
        "editor's address at the provider would sign in as that editor."
    )


def current_editor(store: DeskStore) -> Editor | None:
    """The signed-in editor, or None (the page then offers sign-in)."""
    if not signed_in() or sign_in_problem() is not None:
        return None
    editor = editor_from_claims(_claims(), store)
    if editor is not None:
        st.session_state[K_LAST_EDITOR] = editor.email
    return editor


def sign_in_box() -> None:
    """What someone not signed in sees on the desk."""
    st.info("Readers need no account. To add, verify or publish events, sign in.")
    if settings.sign_in_mode() == "headers":
        st.warning(
            "This desk takes identity from a sign-in proxy, and it sent none: open the desk "
            "through the proxy."
        )
        return
    if "auth" not in _secrets_sections():
        st.warning(
            "Sign-in is not configured: add an [auth] section to .streamlit/secrets.toml "
            "(see the README, Newsroom desk)."
        )
        return
    st.button("Sign in", type="primary", on_click=st.login, key="desk_sign_in")


def _secrets_sections() -> set[str]:
    try:
        return set(st.secrets.keys())
    except (FileNotFoundError, st.errors.StreamlitAPIException, OSError):
        return set()
    except Exception:  # a malformed secrets file: say sign-in is not configured
        return set()


def sign_out_button() -> None:
    if settings.sign_in_mode() == "oidc":
        st.button("Sign out", on_click=st.logout, key="desk_sign_out")
