-- Event study (employee x event x relative month): the agent's monthly KPIs from 6 months
-- before to 6 months after their first promotion / incentive-role assignment / passed
-- certification (treated rows), beside not-yet-treated comparison agents aligned on the same
-- calendar months (see fct_incentive_effect_panel and the decision log). employee_id is the HR
-- id (not PII); no pay. Rates are null when their n is 0.
select
    {{ dbt.cast('event_type', dbt.type_string()) }} as event_type,
    {{ dbt.cast('employee_id', dbt.type_string()) }} as employee_id,
    {{ dbt.cast('event_month', 'date') }} as event_month,
    {{ dbt.cast('relative_month', 'integer') }} as relative_month,
    {{ dbt.cast('calendar_month', 'date') }} as calendar_month,
    {{ dbt.cast('own_event_month', 'date') }} as own_event_month,
    is_treated,
    {{ dbt.cast('comparison_group', dbt.type_string()) }} as comparison_group,
    {{ dbt.cast('case when csat_n > 0 then ' ~ dbt.cast('csat_top2_count', 'double') ~ ' / csat_n end', 'double') }}
        as csat_top2_rate,
    {{ dbt.cast('csat_n', 'integer') }} as csat_n,
    {{ dbt.cast('case when qa_n > 0 then qa_score_sum / qa_n end', 'double') }} as qa_score_avg,
    {{ dbt.cast('qa_n', 'integer') }} as qa_n,
    {{ dbt.cast('case when aht_phone_n > 0 then handle_s_sum / aht_phone_n end', 'double') }} as aht_phone_s,
    {{ dbt.cast('aht_phone_n', 'integer') }} as aht_phone_n,
    {{ dbt.cast('case when fcr_n > 0 then ' ~ dbt.cast('fcr_yes_count', 'double') ~ ' / fcr_n end', 'double') }}
        as fcr_survey_rate,
    {{ dbt.cast('fcr_n', 'integer') }} as fcr_n
from {{ ref('fct_incentive_effect_panel') }}
