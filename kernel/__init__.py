"""The kernel: what every other package needs and nothing here imports
from them (the home folder's layout, today's date, the error catalogue).
It depends on the standard library only."""
