"""The accounts of a partner (role Partner): the region's staff invite people at the partner and take accounts off
it again. An account keeps one or more partners; one that keeps none is deleted, since it can do nothing else."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from ..auth import services as auth_services
from ..auth.models import Role, User
from ..core import audit
from ..core.db import write_transaction
from ..extensions import db
from .models import Partner, PartnerMember


class AccountRefused(Exception):
    """An invitation that cannot be made (German ``message``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def accounts_of(partner_id: int) -> list[User]:
    """The accounts that keep the partner, by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(PartnerMember, PartnerMember.user_id == User.id)
            .where(PartnerMember.partner_id == partner_id)
            .order_by(User.name, User.id)
        )
    )


def invite_account(partner: Partner, staff: User, name: str, email: str) -> bool:
    """Give a person at the partner an account (role Partner) and mail the invitation; an existing partner account
    is added to this partner. True if a new account was made."""
    existing = auth_services.find_user_by_email(email)
    if existing is None:
        auth_services.invite_account(name, email, Role.PARTNER, partner_id=partner.id)
        return True
    if existing.role != Role.PARTNER:
        raise AccountRefused(_("This address belongs to an account with another role. Please use another address."))
    with write_transaction():
        member = db.session.scalar(
            select(PartnerMember).where(PartnerMember.partner_id == partner.id, PartnerMember.user_id == existing.id)
        )
        if member is not None:
            raise AccountRefused(_("This account already keeps the partner's entries."))
        db.session.add(PartnerMember(partner_id=partner.id, user_id=existing.id))
        audit.record(
            "partner.account_add", partner, summary=partner.name, user=staff, after={"account": existing.email}
        )
    return False


def remove_account(partner: Partner, account: User, staff: User) -> bool:
    """Take the account off the partner; an account that keeps no other partner is deleted (it can do nothing
    else). True if the account was deleted."""
    with write_transaction():
        db.session.execute(
            delete(PartnerMember).where(PartnerMember.partner_id == partner.id, PartnerMember.user_id == account.id)
        )
        others = db.session.scalar(select(func.count()).where(PartnerMember.user_id == account.id))
        deleted = not others and account.role == Role.PARTNER
        audit.record(
            "partner.account_remove",
            partner,
            summary=partner.name,
            user=staff,
            after={"account": account.email, "deleted": deleted},
        )
        if deleted:
            db.session.execute(delete(User).where(User.id == account.id))
    return deleted
