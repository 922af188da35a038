"""Layer publish (framework-free): the warehouse snapshots and their BI catalog
(`warehouse.py`), and what the bureaus read over the published warehouse: the gap-list
workbooks and the county reports."""
