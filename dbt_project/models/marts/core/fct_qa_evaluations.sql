-- One row per QA evaluation. qa_score = 100 * sum(w_i * score_i / max_i) / sum(w_i) over the
-- applicable criteria; any critical failure sets it to 0; null when no criterion applies.
-- Band from the form's thresholds. Attributed to the evaluation's local date and the agent
-- version valid that day.
with items as (
    select * from {{ ref('fct_qa_evaluation_items') }}
),

evaluations as (
    select
        evaluation_id,
        max(form_version) as form_version,
        max(evaluated_date) as evaluated_date,
        max(evaluated_month) as evaluated_month,
        max(employee_sk) as employee_sk,
        max(employee_id) as employee_id,
        max(team_id) as team_id,
        max(evaluator_id) as evaluator_id,
        max(method) as method,
        max(contact_type) as contact_type,
        max(contact_id) as contact_id,
        count(*) as criteria,
        sum(case when is_applicable then 1 else 0 end) as applicable_criteria,
        sum(case when is_critical_failed then 1 else 0 end) as critical_failures,
        sum(applicable_weight) as applicable_weight,
        sum(weighted_points) as weighted_points
    from items
    group by evaluation_id
),

bands as (
    select
        form_version,
        max(band_excellent_min) as band_excellent_min,
        max(band_good_min) as band_good_min,
        max(band_pass_min) as band_pass_min
    from {{ ref('dim_qa_criterion') }}
    group by form_version
),

scored as (
    select
        evaluations.*,
        bands.band_excellent_min,
        bands.band_good_min,
        bands.band_pass_min,
        case
            when evaluations.critical_failures > 0 then 0.0
            when evaluations.applicable_weight > 0
                then 100.0 * evaluations.weighted_points / evaluations.applicable_weight
        end as qa_score
    from evaluations
    left join bands
        on evaluations.form_version = bands.form_version
)

select
    scored.evaluation_id,
    scored.evaluated_date,
    scored.evaluated_month,
    scored.form_version,
    scored.method,
    scored.contact_type,
    scored.contact_id,
    scored.employee_sk,
    scored.employee_id,
    scored.team_id,
    scored.evaluator_id,
    scored.criteria,
    scored.applicable_criteria,
    scored.critical_failures,
    scored.qa_score,
    case
        when scored.qa_score is null then null
        when scored.qa_score >= scored.band_excellent_min then 'excellent'
        when scored.qa_score >= scored.band_good_min then 'good'
        when scored.qa_score >= scored.band_pass_min then 'pass'
        else 'fail'
    end as qa_band,
    coalesce(scored.critical_failures > 0, false) as has_critical_fail
from scored
