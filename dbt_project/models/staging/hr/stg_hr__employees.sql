-- HR roster: the rows of the latest delivered snapshot; PII pseudonymised (clear values dropped).
with

source as (
    select * from {{ source('hr', 'employees') }}
),

deliveries as (
    select
        min(_business_date) as first_delivery_date,
        max(_business_date) as snapshot_date
    from source
),

latest as (
    select source.*
    from source
    inner join deliveries on source._business_date = deliveries.snapshot_date
)

select
    latest.employee_id,
    latest.agent_login,
    {{ pseudonymise('latest.full_name') }} as full_name_hmac,
    {{ pseudonymise('latest.id_card_no') }} as id_card_no_hmac,
    {{ pseudonymise('latest.mobile_no') }} as mobile_no_hmac,
    latest.gender,
    latest.birth_date,
    latest.education,
    latest.employment_type,
    latest.site,
    latest.hire_date,
    latest.termination_date,
    latest.termination_type,
    latest.termination_reason,
    latest.status,
    deliveries.snapshot_date,
    deliveries.first_delivery_date,
    latest._source_file,
    latest._load_id,
    latest._line_no
from latest
cross join deliveries
