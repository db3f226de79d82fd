"""``manage.py load_demo_children``: the children's demo rows (after ``load_demo``); idempotent."""

from django.core.management.base import BaseCommand, CommandParser

from shequ.programmes.children.demo import load_demo_children


class Command(BaseCommand):
    help = "Load the children's demo: stations, homes, childcare, tagged children with carers and visits."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--children", type=int, default=5, help="children per community")

    def handle(self, *args: object, **options: object) -> None:
        made = load_demo_children(children_per_community=int(options["children"]))  # type: ignore[call-overload]
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in made.items()))
