from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "haven.volunteers"
    label = "volunteers"

    def ready(self) -> None:
        """Carry out a coordinator's suspension once a second coordinator approves it, and an
        admin's suspension of a member (`haven org suspend`)."""
        from haven.accounts.admin_acts import SUSPEND, admin_act_register
        from haven.accounts.approvals import executor_register
        from haven.accounts.models import Act, Approval, Member
        from haven.accounts.unlock import Keyring
        from haven.volunteers.suspension import member_suspend_approved, member_suspend_by_admin

        def suspend(*, approval: Approval, approver: Member, reason: str, keyring: Keyring) -> None:
            member_suspend_approved(approval=approval, approver=approver, reason=reason)

        def suspend_by_admin(*, member: Member, reason: str) -> int:
            return len(member_suspend_by_admin(member=member, reason=reason))

        executor_register(Act.SUSPEND, suspend)
        admin_act_register(SUSPEND, suspend_by_admin)
