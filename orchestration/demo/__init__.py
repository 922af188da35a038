"""The demo province: a seeded, synthetic but realistic set of county survey sheets.

`generate_demo_province` writes it and returns its ground truth; `write_demo_if_empty`
is what `make run` calls on an empty raw/ folder.
"""

from orchestration.demo.generate import DemoTruth, generate_demo_province, write_demo_if_empty
from orchestration.demo.summary import summarize

__all__ = ["DemoTruth", "generate_demo_province", "write_demo_if_empty", "summarize"]
