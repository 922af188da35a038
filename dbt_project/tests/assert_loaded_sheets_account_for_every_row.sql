-- Every row of a loaded sheet is staged, quarantined or recognised as not data.
select *
from {{ ref('ingest_files') }}
where status = 'loaded'
    and rows_read is distinct from rows_staged + rows_quarantined + rows_not_data
