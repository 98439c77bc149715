-- One row per QA evaluation x criterion, with the form's weight and max score. A criterion is
-- applicable unless is_na = Y or its score is null (then it leaves the denominator).
with items as (
    select * from {{ ref('stg_survey__qa_evaluations') }}
),

scored as (
    select
        items.*,
        cast(items.evaluated_at_local as date) as evaluated_date,
        coalesce(criterion.qa_criterion_sk, '-1') as qa_criterion_sk,
        criterion.weight,
        criterion.max_score,
        coalesce(criterion.is_critical, false) as is_critical,
        (
            not coalesce(items.is_na, false)
            and items.score is not null
            and criterion.max_score is not null
        ) as is_applicable
    from items
    left join {{ ref('dim_qa_criterion') }} as criterion
        on items.form_version = criterion.form_version
            and items.criterion_code = criterion.criterion_code
)

select
    {{ surrogate_key(['scored.evaluation_id', 'scored.criterion_code']) }} as evaluation_item_sk,
    scored.evaluation_id,
    scored.criterion_code,
    scored.form_version,
    scored.qa_criterion_sk,
    scored.contact_type,
    scored.contact_id,
    scored.evaluated_date,
    cast({{ dbt.date_trunc('month', 'scored.evaluated_date') }} as date) as evaluated_month,
    {{ service_employee_columns('employee') }},
    scored.evaluator_id,
    scored.method,
    scored.weight,
    scored.max_score,
    scored.score,
    coalesce(scored.is_na, false) as is_na,
    scored.is_applicable,
    scored.is_critical,
    coalesce(scored.critical_failed, false) as is_critical_failed,
    case when scored.is_applicable then scored.score / nullif(scored.max_score, 0) end as score_ratio,
    case when scored.is_applicable then scored.weight else 0.0 end as applicable_weight,
    case
        when scored.is_applicable then scored.weight * scored.score / nullif(scored.max_score, 0) else 0.0
    end as weighted_points
from scored
{{ service_join_employee('employee', 'scored.agent_id', 'scored.evaluated_date') }}
