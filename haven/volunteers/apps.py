from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "haven.volunteers"
    label = "volunteers"

    def ready(self) -> None:
        """Carry out a coordinator's suspension once a second coordinator approves it."""
        from haven.accounts.approvals import executor_register
        from haven.accounts.models import Act, Approval, Member
        from haven.accounts.unlock import Keyring
        from haven.volunteers.services import member_suspend_approved

        def suspend(*, approval: Approval, approver: Member, reason: str, keyring: Keyring) -> None:
            member_suspend_approved(approval=approval, approver=approver, reason=reason)

        executor_register(Act.SUSPEND, suspend)
