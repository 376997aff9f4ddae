// Word lists for synthetic Australian patients, staff and places (invented combinations; any
// resemblance to a real person is chance).
export const MALE_NAMES = ['Oliver', 'Jack', 'William', 'Noah', 'Thomas', 'James', 'Lucas', 'Henry', 'Charlie', 'Leo', 'Ethan', 'Liam',
  'Harrison', 'Samuel', 'Cooper', 'Mason', 'Hudson', 'Archie', 'Max', 'Oscar', 'Riley', 'Lachlan', 'Angus', 'Hamish', 'Benjamin',
  'Daniel', 'Matthew', 'Andrew', 'David', 'Michael', 'Peter', 'John', 'Robert', 'Stephen', 'Mark', 'Paul', 'Graham', 'Kevin', 'Ian',
  'Trevor', 'Wayne', 'Darren', 'Craig', 'Bruce', 'Keith', 'Ahmed', 'Mohammed', 'Wei', 'Arjun', 'Nguyen', 'Rahul', 'Hiroshi', 'Luca',
  'Marco', 'Dimitri', 'Kai', 'Jayden', 'Tyson', 'Brodie', 'Mitchell'];
export const FEMALE_NAMES = ['Charlotte', 'Amelia', 'Olivia', 'Isla', 'Mia', 'Ava', 'Grace', 'Chloe', 'Willow', 'Matilda', 'Ruby', 'Ella',
  'Harper', 'Sophie', 'Zoe', 'Evie', 'Sienna', 'Lily', 'Isabella', 'Emily', 'Jessica', 'Sarah', 'Rebecca', 'Emma', 'Hannah', 'Megan',
  'Kate', 'Jennifer', 'Michelle', 'Lisa', 'Karen', 'Susan', 'Helen', 'Margaret', 'Patricia', 'Judith', 'Barbara', 'Dianne', 'Sharon',
  'Kylie', 'Leanne', 'Tracey', 'Narelle', 'Priya', 'Mei', 'Aisha', 'Fatima', 'Linh', 'Yuki', 'Sofia', 'Giulia', 'Eleni', 'Ngaire',
  'Tahlia', 'Jacinta', 'Bronwyn', 'Fiona', 'Heather', 'Joan', 'Beverley'];
export const SURNAMES = ['Smith', 'Jones', 'Williams', 'Brown', 'Wilson', 'Taylor', 'Johnson', 'White', 'Martin', 'Anderson', 'Thompson',
  'Nguyen', 'Thomas', 'Walker', 'Harris', 'Lee', 'Ryan', 'Robinson', 'Kelly', 'King', 'Davis', 'Wright', 'Evans', 'Roberts', 'Green',
  'Hall', 'Wood', 'Jackson', 'Clarke', 'Patel', 'Khan', 'Lewis', 'James', 'Phillips', 'Mitchell', 'Turner', 'Campbell', "O'Brien",
  'Murphy', 'Hughes', 'Edwards', 'Cooper', 'Morris', 'Stewart', 'McDonald', 'Scott', 'Young', 'Baker', 'Tran', 'Le', 'Pham', 'Chen',
  'Wang', 'Li', 'Zhang', 'Singh', 'Kaur', 'Papadopoulos', 'Rossi', 'Russo', 'Nikolaidis', 'Kowalski', 'Fraser', 'Gordon', 'Murray',
  'Graham', 'Hamilton', 'Sullivan', 'Doyle', 'Byrne', "O'Connor", 'Gallagher', 'Bennett', 'Fitzgerald', 'Henderson', 'Watson', 'Ross',
  'Bell', 'Carter', 'Morgan', 'Hill', 'Ward', 'Marshall', 'Simpson', 'Ellis', 'Pearce', 'Holmes', 'Barnes', 'Fisher', 'Webb'];
export const STREET_NAMES = ['Wattle', 'Banksia', 'Acacia', 'Jacaranda', 'Bottlebrush', 'Grevillea', 'Waratah', 'Boronia', 'Kurrajong',
  'Ironbark', 'Coolabah', 'Lilly Pilly', 'Myrtle', 'Station', 'Church', 'High', 'King', 'Queen', 'George', 'Victoria', 'Albert',
  'Railway', 'Park', 'Bridge', 'Mill', 'Hill', 'Ocean', 'Beach', 'Harbour', 'Bay', 'Forest', 'Ridge', 'Gully', 'Creek', 'River', 'Lakes'];
export const STREET_TYPES = ['Street', 'Road', 'Avenue', 'Crescent', 'Place', 'Close', 'Drive', 'Parade', 'Lane', 'Court', 'Way', 'Terrace'];
/** [suburb, postcode] around a fictional practice in Sydney's north-west and the Hills. */
export const SUBURBS: ReadonlyArray<readonly [string, string]> = [['Parramatta', '2150'], ['Westmead', '2145'], ['Baulkham Hills', '2153'],
  ['Castle Hill', '2154'], ['Kellyville', '2155'], ['Rouse Hill', '2155'], ['Blacktown', '2148'], ['Seven Hills', '2147'],
  ['Toongabbie', '2146'], ['Winston Hills', '2153'], ['Northmead', '2152'], ['North Rocks', '2151'], ['Carlingford', '2118'],
  ['Epping', '2121'], ['Eastwood', '2122'], ['Ryde', '2112'], ['Dundas', '2117'], ['Ermington', '2115'], ['Rydalmere', '2116'],
  ['Granville', '2142'], ['Merrylands', '2160'], ['Guildford', '2161'], ['Wentworthville', '2145'], ['Pendle Hill', '2145'],
  ['Bella Vista', '2153'], ['Norwest', '2153'], ['Glenhaven', '2156'], ['Cherrybrook', '2126'], ['West Pennant Hills', '2125'],
  ['Beecroft', '2119']];
export const PRACTICE_NAMES = ['Wattle Grove Medical Centre', 'Banksia Family Practice', 'Jacaranda Health Clinic', 'Riverbend General Practice',
  'Ironbark Medical Group', 'Coolabah Family Doctors'];
export const HEALTH_FUNDS = ['Medibank', 'Bupa', 'HCF', 'NIB', 'HBF', 'Australian Unity', 'Teachers Health', 'GMHBA'];
export const EMAIL_DOMAINS = ['example.com.au', 'example.net.au', 'mail.example.org', 'example.com'];
export const APPOINTMENT_TYPES: ReadonlyArray<readonly [number, string, number]> = [[1, 'Standard', 900], [2, 'Long', 1800],
  [3, 'Telehealth Consult', 900], [4, 'New Patient', 1800], [5, 'Procedure', 1800], [6, 'Immunisation', 900],
  [7, 'Health Assessment', 2700], [8, 'Telephone Consult', 900]];
export const APPOINTMENT_STATUSES: ReadonlyArray<readonly [number, string]> = [[1, 'Booked'], [2, 'Waiting'], [3, 'With doctor'],
  [4, 'At billing'], [5, 'Completed'], [6, 'Did not attend']];
export const TITLES: ReadonlyArray<readonly [number, string]> = [[1, 'Mr'], [2, 'Mrs'], [3, 'Ms'], [4, 'Miss'], [5, 'Dr'], [6, 'Master'], [7, 'Prof']];
export const USER_GROUPS: ReadonlyArray<readonly [number, string]> = [[1, 'Principal Doctor'], [2, 'Doctor'], [3, 'Nurse'],
  [4, 'Receptionist'], [5, 'Practice Manager']];
export const REMINDER_REASONS: ReadonlyArray<readonly [string, number]> = [['Cervical screening test', 60], ['Influenza vaccination', 12],
  ['Diabetes cycle of care review', 6], ['Blood pressure check', 6], ['Skin check', 12], ['GP management plan review', 6],
  ['Childhood immunisation', 2], ['Breast screening', 24], ['Bowel screening', 24], ['Health assessment 45-49', 60]];
