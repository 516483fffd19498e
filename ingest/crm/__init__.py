"""CRM exports (Salesforce, HubSpot) read as they come, into the same records as the API takes."""
