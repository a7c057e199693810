from django.core.management.base import BaseCommand

from incidents.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo incidents into an empty database (does nothing otherwise)."

    def handle(self, *args, **options):
        if load_demo():
            self.stdout.write("Loaded the demo status page.")
        else:
            self.stdout.write("The database already has data; demo not loaded.")
