// Clinical and messaging procedures: a patient's investigation results and Bp's internal messages.
import { prepareCached } from '../cache.js';
import { procedureError } from '../errors.js';
import { formatDate, formatDateTime, nowLocal, secondsSinceMidnight } from '../dates.js';
import { type ProcDef, params, resultSet } from './types.js';

const userName = (u: string, t: string): string =>
  `TRIM(COALESCE(${t}.TITLE || ' ', '') || COALESCE(${u}.FIRSTNAME, '') || ' ' || COALESCE(${u}.SURNAME, ''))`;

export const clinicalProcedures: ProcDef[] = [
  {
    // Called with one Int @InternalID by a public Halo client (HaloConnectOperations.get_patient_reports).
    // The result columns are not public: they follow the BPS_Investigations view of the EF scaffold
    // (github.com/2tajshariff/nrme.Booking.Api Models/BPPatients/BpsInvestigations.cs) without the report blobs.
    name: 'BP_GetInvestigationSummary',
    params: params('internalid:int!'),
    run: (db, { values }) => ({
      ...resultSet(prepareCached(db, `SELECT i.REPORTID AS ReportID, i.INTERNALID AS InternalID, i.TESTNAME AS TestName,
          i.PROVIDERNAME AS ProviderName, i.REQUESTDATE AS Requested, i.COLLECTIONDATE AS Collected, i.REPORTDATE AS Reported,
          i.REPORTTIME AS ReportTime, CASE i.NORMALFLAG WHEN 1 THEN 'Normal' ELSE 'Abnormal' END AS Normal,
          CASE i.COMPLETIONFLAG WHEN 1 THEN 'Complete' ELSE 'Partial' END AS Completed, i.CHECKDATE AS Checked,
          CASE WHEN i.CHECKEDBY > 0 THEN ${userName('c', 'ct')} END AS CheckedBy, i.COMMENT AS Comment,
          CASE i.ACTIONED WHEN 1 THEN 'Yes' ELSE 'No' END AS Actioned, ${userName('u', 'ut')} AS Provider
        FROM INVESTIGATIONS i
        LEFT JOIN USERS u ON u.USERID = i.USERID LEFT JOIN TITLES ut ON ut.TITLECODE = u.TITLECODE
        LEFT JOIN USERS c ON c.USERID = i.CHECKEDBY LEFT JOIN TITLES ct ON ct.TITLECODE = c.TITLECODE
        WHERE i.INTERNALID = ? AND i.RECORDSTATUS = 1
        ORDER BY i.REPORTDATE DESC, i.REPORTID DESC`), Number(values.internalid)),
      returnValue: 0,
    }),
  },
  {
    // @userid, @subject, @message (Halo client send_message, Int/VarChar/VarChar); a Node mssql client
    // adds @patid (the patient the message is about). Returns the new MESSAGES.RECORDID.
    name: 'BP_AddMessage',
    params: params('userid:int!, subject:varchar!, message:varchar!, patid:int'),
    write: true,
    run: (db, { values: v }) => {
      const userId = Number(v.userid);
      if (!prepareCached(db, 'SELECT 1 FROM USERS WHERE USERID = ? AND RECORDSTATUS = 1').get(userId)) {
        throw procedureError(`User ${userId} does not exist.`);
      }
      const n = nowLocal();
      const r = prepareCached(db, `INSERT INTO MESSAGES (MESSAGEID, MESSAGESTATUS, PRIORITY, USERID, FROMID, INTERNALID, MESSAGEDATE, MESSAGETIME,
          SUBJECT, MESSAGE, CREATED, CREATEDBY) VALUES (0, 0, 0, ?, 0, ?, ?, ?, ?, ?, ?, 0)`)
        .run(userId, v.patid ?? 0, formatDate(n), secondsSinceMidnight(n), v.subject ?? '', v.message ?? '', formatDateTime(n));
      return { returnValue: Number(r.lastInsertRowid), rowsAffected: r.changes };
    },
  },
];
