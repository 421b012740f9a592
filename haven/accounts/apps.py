from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "haven.accounts"
    label = "accounts"

    def ready(self) -> None:
        """Register the two-person acts whose work lives in accounts' own higher modules."""
        from haven.accounts.approvals import executor_register
        from haven.accounts.models import Act, Approval, Member
        from haven.accounts.recovery import recovery_approved
        from haven.accounts.rotation import rotation_approved
        from haven.accounts.unlock import Keyring

        def recover(
            *, approval: Approval, approver: Member, reason: str, keyring: Keyring
        ) -> str | None:
            return recovery_approved(approval=approval, approver=approver, keyring=keyring)

        def rotate(*, approval: Approval, approver: Member, reason: str, keyring: Keyring) -> None:
            rotation_approved(approval=approval, approver=approver, keyring=keyring)

        executor_register(Act.RECOVER, recover)
        executor_register(Act.ROTATE, rotate)
