-- Training records (events): one row per key, the latest delivery wins.
with

ranked as (
    select
        *,
        row_number() over (
            partition by employee_id, course_id, started_on
            order by _business_date desc, _manifest_generated_at desc, _line_no desc
        ) as delivery_rank
    from {{ source('hr', 'training') }}
)

select
    employee_id,
    course_id,
    started_on,
    course_type,
    hours,
    completed_on,
    score,
    passed,
    _business_date,
    _source_file,
    _load_id,
    _line_no
from ranked
where delivery_rank = 1
