from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "haven.cases"
    label = "cases"

    def ready(self) -> None:
        """Carry out a case's shredding once a second coordinator approves it, and an admin's
        release of a member's reveal holds (`haven org release-hold`)."""
        from haven.accounts.admin_acts import RELEASE_HOLDS, admin_act_register
        from haven.accounts.approvals import executor_register
        from haven.accounts.models import Act, Approval, Member
        from haven.accounts.unlock import Keyring
        from haven.cases.models import RevealHold
        from haven.cases.retention import case_shred_approved
        from haven.cases.reveal import reveal_hold_release_by_admin

        def shred(*, approval: Approval, approver: Member, reason: str, keyring: Keyring) -> None:
            case_shred_approved(approval=approval, approver=approver, reason=reason)

        def release_holds(*, member: Member, reason: str) -> int:
            holds = RevealHold.objects.filter(member=member, approved_at__isnull=True)
            for hold in holds:
                reveal_hold_release_by_admin(hold=hold)
            return len(holds)

        executor_register(Act.SHRED, shred)
        admin_act_register(RELEASE_HOLDS, release_holds)
