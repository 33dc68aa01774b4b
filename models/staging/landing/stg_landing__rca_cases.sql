{{ staging_current('rca_cases') }}
