from typing import Any

from django.core.management.base import BaseCommand, CommandError

from evalorg.core.migration_lint import ALLOWLIST_NAME, lint_project, load_allowlist, unexcused


class Command(BaseCommand):
    help = (
        "Refuse migrations that break the previous release while it still runs (NOT NULL "
        f"without db_default, removed or renamed columns and tables) unless {ALLOWLIST_NAME} "
        "lists them with a reason. Run by `make lint`."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        allowed = load_allowlist()
        findings = lint_project()
        verbosity = int(options["verbosity"])
        for finding in findings:
            if verbosity > 1 and finding.migration in allowed:
                self.stdout.write(f"allowed  {finding}  ({allowed[finding.migration]})")
        refused = unexcused(findings, allowed)
        for finding in refused:
            self.stderr.write(f"REFUSED  {finding}")
        if refused:
            raise CommandError(
                f"{len(refused)} backward-incompatible operation(s): expand first (db_default or "
                f"null=True), contract a release later, or list the migration in {ALLOWLIST_NAME} "
                "with the reason it is safe (docs/decisions.md, 'Migration linter')."
            )
        if verbosity:
            self.stdout.write(f"OK: {len(findings)} finding(s), all listed with a reason")
