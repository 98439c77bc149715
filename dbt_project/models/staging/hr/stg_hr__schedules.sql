-- WFM schedule activities (events): one row per key, the latest delivery wins. Timestamps are
-- naive UTC; *_local are Asia/Shanghai (UTC+8, no DST).
with

ranked as (
    select
        *,
        row_number() over (
            partition by employee_id, shift_date, activity, starts_at
            order by _business_date desc, _manifest_generated_at desc, _line_no desc
        ) as delivery_rank
    from {{ source('hr', 'schedules') }}
)

select
    employee_id,
    shift_date,
    activity,
    starts_at,
    ends_at,
    {{ dbt.dateadd('hour', 8, 'starts_at') }} as starts_at_local,
    {{ dbt.dateadd('hour', 8, 'ends_at') }} as ends_at_local,
    _business_date,
    _source_file,
    _load_id,
    _line_no
from ranked
where delivery_rank = 1
