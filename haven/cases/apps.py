from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "haven.cases"
    label = "cases"

    def ready(self) -> None:
        """Carry out a case's shredding once a second coordinator approves it."""
        from haven.accounts.approvals import executor_register
        from haven.accounts.models import Act, Approval, Member
        from haven.accounts.unlock import Keyring
        from haven.cases.services import case_shred_approved

        def shred(*, approval: Approval, approver: Member, reason: str, keyring: Keyring) -> None:
            case_shred_approved(approval=approval, approver=approver, reason=reason)

        executor_register(Act.SHRED, shred)
