// Raw Bp Premier tables (upper-case names and columns, as in BPSPatients' dbo schema).
// Column specs are compact strings: `NAME kind`, where kind is pk | int | date | datetime | text | <n>
// (<n> = VARCHAR(n)); a trailing '!' marks NOT NULL (columns whose EF-scaffold property is a
// non-nullable int/DateTime and that everything here always writes; Bp's column defaults are not
// public, so columns that may rely on one, such as CREATED, stay nullable). Text columns use COLLATE NOCASE because Bp's SQL Server collation is
// case-insensitive: WHERE SURNAME = 'smith' must match 'Smith'. Dates are declared DATE/DATETIME so
// drivers see a date type, and hold ISO text (see dates.ts).
import type Database from 'better-sqlite3';

export type ColumnKind = 'pk' | 'int' | 'date' | 'datetime' | 'text' | 'varchar';
export interface ColumnSpec { name: string; kind: ColumnKind; length?: number; notNull?: boolean }

const SPECS: Record<string, string> = {
  PRACTICE: 'PRACTICEID pk, PRACTICENAME 100, HPIO 16, ABN 11, SERIALNUMBER 20, SITEID 20, PMSVERSION 60, ADDRESS1 60, CITY 40, POSTCODE 4, PHONE 20',
  LOCATIONS: 'LOCATIONID pk, RECORDSTATUS int, LOCATIONCODE 10, LOCATIONNAME 60, ADDRESS1 60, ADDRESS2 60, CITY 40, POSTCODE 4, PHONE 20, AHPHONE 20, FAX 20, EMAIL 80, HPIO 16, ABN 11',
  TITLES: 'TITLECODE pk, TITLE 20',
  USERGROUPS: 'GROUPCODE pk, GROUPNAME 40',
  PATIENTSTATUS: 'STATUSCODE pk, STATUSTEXT 40',
  USERS: 'USERID pk, RECORDSTATUS int, USERSTATUS int, LOCATIONID int, HPII 16, GROUPCODE int, TITLECODE int, SURNAME 40, FIRSTNAME 40, REGISTRATIONNO 20, PRESCRIBERNO 20, PROVIDERNO 10, PHONE 20, MOBILEPHONE 20, PAGER 20, EMAIL 80, ABN 11, INACTIVEDATE date, APPOINTMENTS int, HPIIVALIDATED int, CREATED datetime, CREATEDBY int, UPDATED datetime, UPDATEDBY int',
  PROVIDERLOCATION: 'RECORDID pk, USERID int, LOCATIONID int, PROVIDERNUMBER 10',
  SESSIONS: 'SESSIONID pk, RECORDSTATUS int, USERID int, LOCATIONID int, DAYOFWEEK int, STARTTIME int, ENDTIME int, LENGTH int, SPECIAL int, LABEL 40, RGB int, STARTDATE date, ENDDATE date, WEEKS int, CYCLEWEEK int, CYCLEDATE date',
  EXTRASESSIONS: 'SESSIONID pk, RECORDSTATUS int, USERID int, LOCATIONID int, SESSIONDATE date, STARTTIME int, ENDTIME int, LENGTH int, SPECIAL int, LABEL 40, RGB int',
  DAYSAWAY: 'RECORDID pk, RECORDSTATUS int, USERID int, STARTDATE date, FINISHDATE date, AWAYREASON 60',
  APPOINTMENTTYPES: 'APPOINTMENTCODE pk, RECORDSTATUS int, LISTORDER int, ICONINDEX int, APPOINTMENTLENGTH int, DESCRIPTION 50, AU int, NZ int, CREATED datetime, CREATEDBY int, UPDATED datetime, UPDATEDBY int',
  APPOINTMENTCODES: 'APPOINTMENTCODE pk, DESCRIPTION 50',
  PATIENTS: [
    'INTERNALID pk, RECORDSTATUS int!, EXTERNALID 20, IHI 16, IHISTATUS int, IHIRECORDSTATUS int, IHISOURCE int, PATIENTSTATUS int!, DATEOFDEATH date',
    'TITLECODE int, FIRSTNAME 40, MIDDLENAME 40, SURNAME 40, PREFERREDNAME 40, ADDRESS1 60, ADDRESS2 60, CITY 40, POSTCODE 4',
    'POSTALADDRESS 60, POSTALCITY 40, POSTALPOSTCODE 4, DOB date, SEXCODE int, ETHNICCODE int, HOMEPHONE 20, WORKPHONE 20, MOBILEPHONE 20, EMAIL 80',
    'MEDICARENO 10, MEDICARELINENO 1, MEDICAREEXPIRY 7, PENSIONCODE int, PENSIONNO 20, PENSIONSTART date, PENSIONEXPIRY date, DVACODE int, DVANO 20',
    'SAFETYNETNO 20, RECORDNO 20, RELIGION 40, HEALTHFUNDNO 20, HEALTHFUNDNAME 60, HEALTHFUNDID int, HEALTHFUNDEXPIRY date, USERID int, NOREMINDERS int',
    'CONTACTMETHOD int, HEADOFFAMILYID int, NEXTOFKINID int, EMERGENCYID int, CONSENTSMSREMINDER int, CREATED datetime, CREATEDBY int, UPDATED datetime, UPDATEDBY int, IHIVALIDATED datetime',
  ].join(', '),
  APPOINTMENTS: [
    'RECORDID pk, INTERNALID int!, RECORDSTATUS int!, USERID int!, LOCATIONID int, VISITID int, APPOINTMENTDATE date!, APPOINTMENTTIME int!, APPOINTMENTLENGTH int!',
    'APPOINTMENTCODE int!, APPOINTMENTTYPE int!, URGENT int, REASON 100, ARRIVALTIME int, CONSULTATIONTIME int, VISITLENGTH int, ROOMID int, OPERATIONID int, BOOKEDBY int',
    'ACCOUNTTYPE int, NNAC int, PATIENTS int, ITEMLIST 100, COMMENT text, REMINDERSENT int, REMINDERSENTDATE datetime, REMINDERSENTUSERID int, ATTENDANCECONFIRMED int',
    'ATTENDANCEUPDATED datetime, ATTENDANCEUPDATEDBY int, CREATED datetime, CREATEDBY int, UPDATED datetime, UPDATEDBY int, FOLLOWUP int, VIDEOURL 200',
  ].join(', '),
  CANCELLEDAPPOINTMENTS: 'RECORDID pk, APPOINTMENTID int, CANCELLEDBY int, CANCELLEDDATE date, CANCELLEDTIME int, REASON 100',
  INTERNETAPPOINTMENTS: 'RECORDID pk, RECORDSTATUS int, USERID int, LOCATIONID int, DAYOFWEEK int, APPOINTMENTTIME int',
  REMINDERREASONS: 'REMINDERREASONID pk, RECORDSTATUS int, REASONTEXT 100, INTERVALMONTHS int',
  REMINDERS: [
    'REMINDERID pk, RECORDSTATUS int, REMINDERSTATUS int, INTERNALID int, USERID int, REMINDERREASONID int, REASONTEXT 100, REMINDERDUE date',
    'APPOINTMENTID int, STATUSTEXT 40, LOCATIONID int, COMMENTS text, VISITID int, RECURRING int, SENT int, CREATED datetime, CREATEDBY int',
  ].join(', '),
  // Clinical and messaging tables the BP_* procedures read and write. Columns as in the EF Core scaffold
  // of a real BPSPatients (github.com/2tajshariff/nrme.Booking.Api Models/BPPatients/Investigations.cs,
  // Messages.cs, Nextofkin.cs); the report header/body blobs are left out.
  INVESTIGATIONS: [
    'REPORTID pk, RECORDSTATUS int, INTERNALID int, USERID int, IMPORTDATE datetime, REQUESTID int, REQUESTDATE date, PROVIDERREFERENCE 40',
    'PROVIDERNAME 80, PROVIDERID int, COLLECTIONDATE date, TESTNAME 100, REPORTDATE date, REPORTTIME int, NORMALFLAG int, COMPLETIONFLAG int',
    'CONFIDENTIALFLAG int, CHECKDATE date, CHECKEDBY int, NOTATION int, ACTION int, COMMENT text, ACTIONED int, ACTIONDATE date, STORED int',
    'CREATED datetime, CREATEDBY int, UPDATED datetime, UPDATEDBY int, LOCATIONID int',
  ].join(', '),
  MESSAGES: 'RECORDID pk, MESSAGEID int, MESSAGESTATUS int, PRIORITY int, USERID int, FROMID int, INTERNALID int, MESSAGEDATE date, MESSAGETIME int, SUBJECT 100, MESSAGE text, CREATED datetime, CREATEDBY int, UPDATED datetime, UPDATEDBY int',
  NEXTOFKIN: 'NEXTOFKINID pk, RECORDSTATUS int, TITLECODE int, SURNAME 40, FIRSTNAME 40, ADDRESS 60, CITY 40, POSTCODE 4, CONTACTPHONE 20, CONTACTPHONE2 20, RELATIONSHIP 40, CREATED datetime, CREATEDBY int, UPDATED datetime, UPDATEDBY int, HEADOFFAMILYID int, TYPE int, INTERNALID int',
};

function parseSpec(spec: string): ColumnSpec[] {
  return spec.split(',').map((part) => {
    const [name = '', raw = ''] = part.trim().split(/\s+/);
    const notNull = raw.endsWith('!');
    const kind = raw.replace('!', '');
    const c: ColumnSpec = /^\d+$/.test(kind) ? { name, kind: 'varchar', length: Number(kind) } : { name, kind: kind as ColumnKind };
    return notNull ? { ...c, notNull } : c;
  });
}

export const TABLES: Record<string, ColumnSpec[]> = Object.fromEntries(
  Object.entries(SPECS).map(([table, spec]) => [table, parseSpec(spec)]),
);

function columnDdl(c: ColumnSpec): string {
  return c.notNull ? `${typeDdl(c)} NOT NULL` : typeDdl(c);
}

function typeDdl(c: ColumnSpec): string {
  switch (c.kind) {
    case 'pk': return `${c.name} INTEGER PRIMARY KEY`;
    case 'int': return `${c.name} INTEGER`;
    case 'date': return `${c.name} DATE`;
    case 'datetime': return `${c.name} DATETIME`;
    case 'text': return `${c.name} TEXT COLLATE NOCASE`;
    case 'varchar': return `${c.name} VARCHAR(${c.length}) COLLATE NOCASE`;
  }
}

export function tableDdl(table: string): string {
  const cols = TABLES[table];
  if (!cols) throw new Error(`unknown table ${table}`);
  return `CREATE TABLE ${table} (\n  ${cols.map(columnDdl).join(',\n  ')}\n)`;
}

/** Secondary indexes for the queries integrators and the BP_* procedures actually run. */
export const INDEXES: string[] = [
  'CREATE INDEX IX_APPOINTMENTS_USER_DATE ON APPOINTMENTS (USERID, APPOINTMENTDATE, APPOINTMENTTIME)',
  'CREATE INDEX IX_APPOINTMENTS_PATIENT ON APPOINTMENTS (INTERNALID, APPOINTMENTDATE)',
  'CREATE INDEX IX_APPOINTMENTS_DATE ON APPOINTMENTS (APPOINTMENTDATE, APPOINTMENTTIME)',
  'CREATE INDEX IX_PATIENTS_NAME ON PATIENTS (SURNAME, FIRSTNAME)',
  'CREATE INDEX IX_PATIENTS_DOB ON PATIENTS (DOB)',
  'CREATE INDEX IX_PATIENTS_MEDICARE ON PATIENTS (MEDICARENO)',
  'CREATE INDEX IX_SESSIONS_USER ON SESSIONS (USERID, DAYOFWEEK)',
  'CREATE INDEX IX_EXTRASESSIONS_USER ON EXTRASESSIONS (USERID, SESSIONDATE)',
  'CREATE INDEX IX_DAYSAWAY_USER ON DAYSAWAY (USERID, STARTDATE)',
  'CREATE INDEX IX_REMINDERS_PATIENT ON REMINDERS (INTERNALID)',
  'CREATE INDEX IX_REMINDERS_DUE ON REMINDERS (REMINDERDUE)',
  'CREATE INDEX IX_CANCELLED_APPOINTMENT ON CANCELLEDAPPOINTMENTS (APPOINTMENTID)',
  'CREATE INDEX IX_INTERNETAPPOINTMENTS_USER ON INTERNETAPPOINTMENTS (USERID, DAYOFWEEK)',
  'CREATE INDEX IX_PROVIDERLOCATION_USER ON PROVIDERLOCATION (USERID, LOCATIONID)',
  'CREATE INDEX IX_INVESTIGATIONS_PATIENT ON INVESTIGATIONS (INTERNALID, REPORTDATE)',
  'CREATE INDEX IX_MESSAGES_USER ON MESSAGES (USERID, MESSAGESTATUS)',
  'CREATE INDEX IX_NEXTOFKIN_PATIENT ON NEXTOFKIN (INTERNALID)',
];

export function createTables(db: Database.Database): void {
  for (const t of Object.keys(TABLES)) db.exec(tableDdl(t));
}

export function createIndexes(db: Database.Database): void {
  for (const ddl of INDEXES) db.exec(ddl);
}
