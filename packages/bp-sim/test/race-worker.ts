// Child process for concurrency.test.ts: opens the shared file, says "ready", waits for "go" on
// stdin, then tries to book the contested slot and prints the RETURN value.
import { BpSimDatabase } from '../src/index.js';

const [file, userId, date, time, patientId] = process.argv.slice(2);
const db = BpSimDatabase.open(String(file), { busyTimeoutMs: 10_000 });
process.stdout.write('ready\n');
process.stdin.once('data', () => {
  try {
    const o = db.execute({
      text: 'DECLARE @id INT; EXEC @id = dbo.BP_AddAppointment @aptdate = @d, @apttime = @t, @aptlen = 900, @practitionerid = @u, @patientid = @p; SELECT @id AS id',
      type: 'text',
      params: [
        { name: 'd', direction: 'input', value: date },
        { name: 't', direction: 'input', value: Number(time) },
        { name: 'u', direction: 'input', value: Number(userId) },
        { name: 'p', direction: 'input', value: Number(patientId) },
      ],
    });
    process.stdout.write(`${JSON.stringify({ id: [...o.rows][0]?.id })}\n`);
  } catch (e) {
    process.stdout.write(`${JSON.stringify({ error: String(e) })}\n`);
  } finally {
    db.close();
    process.exit(0);
  }
});
