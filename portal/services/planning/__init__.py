"""The weekly plan: capacity (weekly hours net of absences), schedules and their KPIs."""
