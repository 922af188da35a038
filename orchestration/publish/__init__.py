"""What the bureaus read: the gap-list workbooks and the county reports, over the published warehouse."""
