from django.core.management.base import BaseCommand, CommandError

from billing.selectors import plan_for_user
from billing.services import PlanChangeError, user_plan_set


class Command(BaseCommand):
    help = "Put a user on a plan: set_plan EMAIL PLAN (free, premium, pro)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("plan")

    def handle(self, *args, email, plan, **options):
        try:
            user = user_plan_set(email=email, plan_code=plan)
        except PlanChangeError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{user.email} is now on the {plan_for_user(user).name} plan")
