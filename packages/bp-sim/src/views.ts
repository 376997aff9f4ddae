// BPS_* reporting views with Bp's mixed-case column names (what the bpsrawdata login reads).
// Lookups that Bp keeps in small code tables are inlined as CASE where the simulator has no table.
import type Database from 'better-sqlite3';
import { TABLES } from './schema.js';

const userName = (u: string, t: string): string =>
  `TRIM(COALESCE(${t}.TITLE || ' ', '') || COALESCE(${u}.FIRSTNAME, '') || ' ' || COALESCE(${u}.SURNAME, ''))`;

const DAY_NAME = `CASE s.DAYOFWEEK WHEN 1 THEN 'Sunday' WHEN 2 THEN 'Monday' WHEN 3 THEN 'Tuesday' WHEN 4 THEN 'Wednesday' WHEN 5 THEN 'Thursday' WHEN 6 THEN 'Friday' WHEN 7 THEN 'Saturday' END`;

export const VIEWS: Record<string, string> = {
  BPS_Patients: `SELECT p.INTERNALID AS InternalID, p.EXTERNALID AS ExternalID, ps.STATUSTEXT AS StatusText, t.TITLE AS Title,
    p.FIRSTNAME AS Firstname, p.MIDDLENAME AS Middlename, p.SURNAME AS Surname, p.PREFERREDNAME AS Preferredname,
    p.ADDRESS1 AS Address1, p.ADDRESS2 AS Address2, p.CITY AS City, p.POSTCODE AS Postcode,
    p.POSTALADDRESS AS PostalAddress, p.POSTALCITY AS PostalCity, p.POSTALPOSTCODE AS PostalPostcode, p.DOB AS DOB,
    CASE p.SEXCODE WHEN 1 THEN 'Male' WHEN 2 THEN 'Female' WHEN 3 THEN 'Intersex' ELSE 'Not stated' END AS Sex,
    CASE p.ETHNICCODE WHEN 1 THEN 'Aboriginal' WHEN 2 THEN 'Torres Strait Islander' WHEN 3 THEN 'Aboriginal and Torres Strait Islander'
      WHEN 4 THEN 'Neither Aboriginal nor Torres Strait Islander' ELSE 'Not stated' END AS Ethnicity,
    p.HOMEPHONE AS HomePhone, p.WORKPHONE AS WorkPhone, p.MOBILEPHONE AS MobilePhone, p.EMAIL AS Email,
    p.MEDICARENO AS MedicareNo, p.MEDICARELINENO AS MedicareLineNo, p.MEDICAREEXPIRY AS MedicareExpiry,
    p.PENSIONNO AS PensionNo, p.PENSIONSTART AS PensionStart, p.PENSIONEXPIRY AS PensionExpiry,
    CASE p.PENSIONCODE WHEN 1 THEN 'Age Pension' WHEN 2 THEN 'Disability Support Pension' WHEN 3 THEN 'Health Care Card'
      WHEN 4 THEN 'Pensioner Concession Card' WHEN 5 THEN 'Commonwealth Seniors Health Card' END AS PensionType,
    p.DVANO AS DVANo, p.SAFETYNETNO AS SafetyNetNo, p.RECORDNO AS RecordNo, NULL AS HCHTier, NULL AS HCHStart,
    p.RELIGION AS Religion, p.HEALTHFUNDNAME AS HealthFundName, p.HEALTHFUNDNO AS HealthFundNo, p.IHI AS IHI,
    ${userName('u', 'ut')} AS UsualDoctor
  FROM PATIENTS p
  LEFT JOIN PATIENTSTATUS ps ON ps.STATUSCODE = p.PATIENTSTATUS
  LEFT JOIN TITLES t ON t.TITLECODE = p.TITLECODE
  LEFT JOIN USERS u ON u.USERID = p.USERID
  LEFT JOIN TITLES ut ON ut.TITLECODE = u.TITLECODE
  WHERE p.RECORDSTATUS = 1`,

  BPS_Appointments: `SELECT TRIM(COALESCE(p.FIRSTNAME, '') || ' ' || COALESCE(p.SURNAME, '')) AS Patient, a.INTERNALID AS InternalID,
    a.APPOINTMENTDATE AS AppointmentDate, a.APPOINTMENTTIME AS AppointmentTime, a.APPOINTMENTLENGTH AS AppointmentLength,
    ${userName('u', 'ut')} AS Provider, a.URGENT AS Urgent, at.DESCRIPTION AS AppointmentType, ac.DESCRIPTION AS Status,
    a.ARRIVALTIME AS ArrivalTime, a.CONSULTATIONTIME AS ConsultationTime, ${userName('b', 'bt')} AS BookedBy
  FROM APPOINTMENTS a
  LEFT JOIN PATIENTS p ON p.INTERNALID = a.INTERNALID
  LEFT JOIN USERS u ON u.USERID = a.USERID
  LEFT JOIN TITLES ut ON ut.TITLECODE = u.TITLECODE
  LEFT JOIN USERS b ON b.USERID = a.BOOKEDBY
  LEFT JOIN TITLES bt ON bt.TITLECODE = b.TITLECODE
  LEFT JOIN APPOINTMENTTYPES at ON at.APPOINTMENTCODE = a.APPOINTMENTTYPE
  LEFT JOIN APPOINTMENTCODES ac ON ac.APPOINTMENTCODE = a.APPOINTMENTCODE
  WHERE a.RECORDSTATUS = 1`,

  BPS_Users: `SELECT u.USERID AS UserID, u.SURNAME AS Surname, u.FIRSTNAME AS Firstname, u.REGISTRATIONNO AS RegistrationNo,
    u.PROVIDERNO AS ProviderNo, u.PRESCRIBERNO AS PrescriberNo, u.PHONE AS HomePhone, u.MOBILEPHONE AS MobilePhone,
    u.EMAIL AS Email, u.PAGER AS Pager, u.ABN AS ABN, t.TITLE AS Title, g.GROUPNAME AS GroupName, l.LOCATIONNAME AS LocationName
  FROM USERS u
  LEFT JOIN TITLES t ON t.TITLECODE = u.TITLECODE
  LEFT JOIN USERGROUPS g ON g.GROUPCODE = u.GROUPCODE
  LEFT JOIN LOCATIONS l ON l.LOCATIONID = u.LOCATIONID
  WHERE u.RECORDSTATUS = 1 AND COALESCE(u.USERSTATUS, 1) <> 999`,

  BPS_Sessions: `SELECT ${DAY_NAME} AS Day, s.STARTTIME AS StartTime, s.ENDTIME AS EndTime, s.LENGTH AS Length,
    s.STARTDATE AS StartDate, s.ENDDATE AS EndDate, ${userName('u', 't')} AS Provider
  FROM SESSIONS s JOIN USERS u ON u.USERID = s.USERID LEFT JOIN TITLES t ON t.TITLECODE = u.TITLECODE
  WHERE s.RECORDSTATUS = 1`,

  BPS_ExtraSessions: `SELECT s.SESSIONDATE AS SessionDate, s.STARTTIME AS StartTime, s.ENDTIME AS EndTime, s.LENGTH AS Length,
    ${userName('u', 't')} AS Provider
  FROM EXTRASESSIONS s JOIN USERS u ON u.USERID = s.USERID LEFT JOIN TITLES t ON t.TITLECODE = u.TITLECODE
  WHERE s.RECORDSTATUS = 1`,

  BPS_DaysAway: `SELECT d.STARTDATE AS StartDate, d.FINISHDATE AS FinishDate, d.AWAYREASON AS Reason, ${userName('u', 't')} AS Provider
  FROM DAYSAWAY d JOIN USERS u ON u.USERID = d.USERID LEFT JOIN TITLES t ON t.TITLECODE = u.TITLECODE
  WHERE d.RECORDSTATUS = 1`,

  BPS_PracticeLocations: `SELECT LOCATIONID AS LocationID, LOCATIONNAME AS LocationName, ADDRESS1 AS Address1, ADDRESS2 AS Address2,
    CITY AS City, POSTCODE AS PostCode, PHONE AS Phone, AHPHONE AS AHPhone, FAX AS Fax, EMAIL AS Email
  FROM LOCATIONS WHERE RECORDSTATUS = 1`,

  BPS_Reminders: `SELECT r.INTERNALID AS InternalID, r.REMINDERID AS ReminderID, r.REASONTEXT AS ReasonText, r.REMINDERDUE AS ReminderDue,
    r.RECURRING AS Recurring, r.SENT AS Sent, ${userName('u', 't')} AS Provider, l.LOCATIONNAME AS Location, r.CREATED AS Created
  FROM REMINDERS r
  LEFT JOIN USERS u ON u.USERID = r.USERID
  LEFT JOIN TITLES t ON t.TITLECODE = u.TITLECODE
  LEFT JOIN LOCATIONS l ON l.LOCATIONID = r.LOCATIONID
  WHERE r.RECORDSTATUS = 1`,
};

export function createViews(db: Database.Database): void {
  for (const [name, sql] of Object.entries(VIEWS)) db.exec(`CREATE VIEW ${name} AS ${sql}`);
}

/** Upper-cased names of every date/datetime column in tables and views, for literal normalisation. */
export const DATE_COLUMN_NAMES: ReadonlySet<string> = new Set([
  ...Object.values(TABLES).flatMap((cols) => cols.filter((c) => c.kind === 'date' || c.kind === 'datetime').map((c) => c.name)),
  ...['APPOINTMENTDATE', 'DOB', 'PENSIONSTART', 'PENSIONEXPIRY', 'STARTDATE', 'ENDDATE', 'SESSIONDATE',
    'FINISHDATE', 'REMINDERDUE', 'CREATED', 'HCHSTART'],
]);

/**
 * Date columns that are `date` (not `datetime`) in every table that has them: a string that is no
 * valid date fails with 241 there, where a datetime column answers 242 for an out-of-range day.
 */
export const DATE_ONLY_COLUMN_NAMES: ReadonlySet<string> = new Set(
  [...DATE_COLUMN_NAMES].filter((name) => {
    const kinds = Object.values(TABLES).flatMap((cols) => cols.filter((c) => c.name === name).map((c) => c.kind));
    return kinds.length > 0 && kinds.every((k) => k === 'date');
  }),
);

/** View columns whose name is an int column in some table but whose value is text (AppointmentType is a description). */
const TEXT_IN_VIEWS: ReadonlySet<string> = new Set(
  Object.values(VIEWS).flatMap((sql) => [...sql.matchAll(/(\S+)\s+AS\s+(\w+)/g)]
    .filter((m) => !new RegExp(`^(\\w+\\.)?${m[2] ?? ''}$`, 'i').test(m[1] ?? '')).map((m) => (m[2] ?? '').toUpperCase())),
);

/**
 * Upper-cased names of view columns defined by an expression (CASE ... END AS Sex, a concatenated
 * UsualDoctor), i.e. by anything but a column (p.SURNAME AS Surname): SQLite compares them with its BINARY collation, where a table's text column has NOCASE.
 */
export const VIEW_EXPRESSION_COLUMNS: ReadonlySet<string> = new Set(
  Object.values(VIEWS).flatMap((sql) => [...sql.matchAll(/(\S+)\s+AS\s+(\w+)/g)]
    .filter((m) => !/^(\w+\.)?[A-Za-z_]\w*$/.test(m[1] ?? '') || /^(END|NULL)$/i.test(m[1] ?? '')).map((m) => (m[2] ?? '').toUpperCase())),
);

/**
 * Upper-cased names of the integer columns (int in every table that has them, and integer in every
 * view): a string compared with or stored into one is converted to int as SQL Server does.
 */
export const INT_COLUMN_NAMES: ReadonlySet<string> = new Set(
  Object.values(TABLES).flatMap((cols) => cols.filter((c) => c.kind === 'int' || c.kind === 'pk').map((c) => c.name))
    .filter((name) => !TEXT_IN_VIEWS.has(name) && !(name in TABLES) && Object.values(TABLES).every((cols) => cols.every((c) => c.name !== name || c.kind === 'int' || c.kind === 'pk'))),
);

/** The kind of a column of a table, for INSERT/UPDATE targets; undefined when the table or column is unknown. */
export function tableColumnKind(table: string, column: string): 'int' | 'date' | 'datetime' | undefined {
  const c = TABLES[table.toUpperCase()]?.find((x) => x.name === column.toUpperCase());
  if (!c) return undefined;
  return c.kind === 'int' || c.kind === 'pk' ? 'int' : c.kind === 'date' ? 'date' : c.kind === 'datetime' ? 'datetime' : undefined;
}

/**
 * Upper-cased names of text columns (text or varchar in every table that has them, and not computed in
 * any view): an index on one is in Bp's collation, so a LIKE on it can be given an index range (tsql/like.ts).
 */
export const TEXT_COLUMN_NAMES: ReadonlySet<string> = new Set(
  Object.values(TABLES).flatMap((cols) => cols.filter((c) => c.kind === 'text' || c.kind === 'varchar').map((c) => c.name))
    .filter((name) => !VIEW_EXPRESSION_COLUMNS.has(name) && Object.values(TABLES).every((cols) => cols.every((c) => c.name !== name || c.kind === 'text' || c.kind === 'varchar'))),
);
