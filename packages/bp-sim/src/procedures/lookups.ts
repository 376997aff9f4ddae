// Read-only lookup procedures: users, sessions, appointment types, locations.
import { prepareCached } from '../cache.js';
import { type ProcDef, params, resultSet } from './types.js';

export const lookupProcedures: ProcDef[] = [
  {
    name: 'BP_GetAppointmentBookUsers',
    params: [],
    run: (db) => ({
      ...resultSet(prepareCached(db, `SELECT u.USERID AS UserID, t.TITLE AS Title, u.FIRSTNAME AS Firstname, u.SURNAME AS Surname,
          u.LOCATIONID AS LocationID, u.PROVIDERNO AS ProviderNo
        FROM USERS u LEFT JOIN TITLES t ON t.TITLECODE = u.TITLECODE
        WHERE u.APPOINTMENTS = 1 AND u.RECORDSTATUS = 1 AND COALESCE(u.USERSTATUS, 1) <> 999
        ORDER BY u.SURNAME, u.FIRSTNAME`)),
      returnValue: 0,
    }),
  },
  {
    name: 'BP_GetAllUsers',
    params: [],
    run: (db) => ({
      ...resultSet(prepareCached(db, `SELECT u.USERID AS UserID, u.SURNAME AS Surname, u.FIRSTNAME AS Firstname, g.GROUPNAME AS GroupName,
          u.APPOINTMENTS AS Appointments, t.TITLE AS Title, u.LOCATIONID AS LocationID
        FROM USERS u LEFT JOIN USERGROUPS g ON g.GROUPCODE = u.GROUPCODE LEFT JOIN TITLES t ON t.TITLECODE = u.TITLECODE
        WHERE u.RECORDSTATUS = 1 ORDER BY u.USERID`)),
      returnValue: 0,
    }),
  },
  {
    name: 'BP_GetAllSessions',
    params: [],
    run: (db) => ({
      ...resultSet(prepareCached(db, `SELECT USERID AS UserID, LOCATIONID AS LocationID, DAYOFWEEK AS DayOfWeek, STARTTIME AS StartTime,
          ENDTIME AS EndTime, LENGTH AS Length, STARTDATE AS StartDate, ENDDATE AS EndDate, WEEKS AS Weeks, CYCLEWEEK AS CycleWeek,
          CYCLEDATE AS CycleDate
        FROM SESSIONS WHERE RECORDSTATUS = 1 ORDER BY USERID, DAYOFWEEK, STARTTIME`)),
      returnValue: 0,
    }),
  },
  {
    // No public client shows this procedure's columns; they are APPOINTMENTTYPES' own, in Bp's mixed case.
    name: 'BP_GetAppointmentTypes',
    params: [],
    run: (db) => ({
      ...resultSet(prepareCached(db, `SELECT APPOINTMENTCODE AS AppointmentCode, DESCRIPTION AS Description, APPOINTMENTLENGTH AS AppointmentLength,
          LISTORDER AS ListOrder, ICONINDEX AS IconIndex
        FROM APPOINTMENTTYPES WHERE RECORDSTATUS = 1 ORDER BY LISTORDER, APPOINTMENTCODE`)),
      returnValue: 0,
    }),
  },
  {
    name: 'BP_GetPracticeLocations',
    params: params(''),
    run: (db) => ({
      ...resultSet(prepareCached(db, `SELECT LOCATIONID AS LocationID, LOCATIONCODE AS LocationCode, LOCATIONNAME AS LocationName,
          ADDRESS1 AS Address1, ADDRESS2 AS Address2, CITY AS City, POSTCODE AS Postcode, PHONE AS Phone, FAX AS Fax, EMAIL AS Email,
          HPIO AS HPIO
        FROM LOCATIONS WHERE RECORDSTATUS = 1 ORDER BY LOCATIONID`)),
      returnValue: 0,
    }),
  },
];
