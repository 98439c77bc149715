-- Snapshot: the QA form criteria delivered on the latest business date. The snapshot carries
-- every form version (history-bearing), so nothing older needs to be kept.
with latest as (
    {{ service_latest_snapshot(source('survey', 'qa_forms')) }}
),

deduped as (
    select
        *,
        {{ service_delivery_rank(['form_version', 'criterion_code']) }} as delivery_rank
    from latest
)

select
    form_version,
    criterion_code,
    criterion_name,
    weight,
    max_score,
    is_critical,
    band_excellent_min,
    band_good_min,
    band_pass_min,
    _business_date,
    _source_file,
    _load_id
from deduped
where delivery_rank = 1
