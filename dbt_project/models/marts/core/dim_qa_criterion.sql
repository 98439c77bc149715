-- QA scorecard criteria per form version, with the form's band thresholds.
with forms as (
    select * from {{ ref('stg_survey__qa_forms') }}
)

select
    {{ surrogate_key(['form_version', 'criterion_code']) }} as qa_criterion_sk,
    form_version,
    criterion_code,
    criterion_name,
    weight,
    max_score,
    coalesce(is_critical, false) as is_critical,
    band_excellent_min,
    band_good_min,
    band_pass_min
from forms
