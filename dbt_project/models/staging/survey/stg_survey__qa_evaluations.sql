-- Events: one row per evaluation_id x criterion_code (the latest delivery wins).
with source as (
    select * from {{ source('survey', 'qa_evaluations') }}
),

ranked as (
    select
        *,
        {{ service_delivery_rank(['evaluation_id', 'criterion_code']) }} as delivery_rank
    from source
)

select
    evaluation_id,
    criterion_code,
    form_version,
    contact_type,
    contact_id,
    agent_id,
    evaluator_id,
    method,
    evaluated_at,
    {{ service_to_local('evaluated_at') }} as evaluated_at_local,
    score,
    is_na,
    critical_failed,
    _business_date,
    _source_file,
    _load_id
from ranked
where delivery_rank = 1
