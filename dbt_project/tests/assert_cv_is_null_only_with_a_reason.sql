-- A CV is either computed or null with the reason it can not be; never both, never neither.
select *
from {{ ref('fct_county_indicator') }}
where (cv is null) <> (cv_reason is not null)
