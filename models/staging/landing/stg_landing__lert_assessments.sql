{{ staging_current('lert_assessments') }}
